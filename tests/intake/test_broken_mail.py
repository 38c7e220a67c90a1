"""Broken is not unreadable (issue 15): real mail with broken MIME is filed with the words that
can be read, the repairs listed for the agent beside a link to the raw message, which staff
alone can download. Only mail without a sender (nobody to answer) is not filed. A line over
1,000 characters is mail too, and what SMTP refuses leaves a record.

The corpus under data/broken/ is written by hand, one fault each, as real mailers break mail.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from services.intake.domain.mail import parse
from shared.auth import Role
from shared.settings import Settings
from tests.intake.helpers import agent, bearer, issue, listening_system, new_ticket, read
from tests.support import System

SUPPORT = "support@sviftcommunity.ru"
CORPUS = Path(__file__).parent / "data" / "broken"

# Each message: words its ticket must show, and what the agent is told was wrong.
EXPECTED = {
    "no-boundary.eml": ("Не могу зайти в личный кабинет", "a multipart without its boundary"),
    "wrong-boundary.eml": ("Оплата прошла, а заказ не появился.", "boundary never appears"),
    "no-separator.eml": ("не приходит письмо для сброса пароля", "no blank line after the headers"),
    "8bit-filename.eml": ("Счёт во вложении", "a file name in raw 8-bit"),
    "cp1251-labelled-us-ascii.eml": ("Списали деньги дважды", "labelled 'us-ascii'"),
    "cp1251-labelled-utf-8.eml": ("Не работает кнопка «Оплатить»", "labelled 'utf-8'"),
    "cp1251-labelled-latin-1.eml": ("Прошу вернуть деньги", "labelled 'iso-8859-1'"),
    "koi8-r-unlabelled.eml": ("Не могу отменить подписку.", "read as koi8-r"),
    "truncated-base64.eml": ("Приложение вылетает при запуске", "broken base64"),
    "nul-in-text.eml": ("Заказ №15 не пришёл.", "NUL characters"),
}


def test_the_corpus_is_all_here() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_mail_is_read_as_far_as_it_goes(name: str) -> None:
    words, defect = EXPECTED[name]
    mail = parse((CORPUS / name).read_bytes(), max_attachment_bytes=10**6)
    assert mail.sender is not None and mail.unread is None
    assert words in mail.full_text, mail.full_text
    assert any(defect in found for found in mail.defects), mail.defects


def test_parts_and_file_names_survive_the_repairs() -> None:
    no_boundary = parse((CORPUS / "no-boundary.eml").read_bytes(), max_attachment_bytes=10**6)
    assert [(a.filename, a.data) for a in no_boundary.attachments] == [("scan.pdf", b"%PDF-1.4\n")]
    assert no_boundary.subject == "Нет доступа"
    named = parse((CORPUS / "8bit-filename.eml").read_bytes(), max_attachment_bytes=10**6)
    # The second is RFC 2231 with raw 8-bit bytes: it came out as "\udcd1\udc81…" before.
    assert [a.filename for a in named.attachments] == ["счёт №15.pdf", "экран.png"]
    unlabelled = parse((CORPUS / "koi8-r-unlabelled.eml").read_bytes(), max_attachment_bytes=10)
    assert unlabelled.subject == "Отмена подписки"
    # A part with neither a name nor text is a file all the same (it was left out unseen).
    inline = (
        b"From: a@example.com\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/html\r\n\r\n<p>See:</p><img src=cid:x>\r\n"
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <x>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n"
    )
    [image] = parse(inline, max_attachment_bytes=100).attachments
    assert (image.filename, image.content_type) == ("attachment.png", "image/png")
    # A label that fits is believed: Western text in Latin-1 stays Western.
    german = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        + "Die Zahlung schlägt fehl. Grüße".encode("latin-1")
    )
    read = parse(german, max_attachment_bytes=10)
    assert read.full_text == "Die Zahlung schlägt fehl. Grüße" and read.defects == []


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        ("Die Zahlung schlägt fehl. Grüße aus Köln", "latin-1"),
        ("你好，我无法登录我的账户。", "gbk"),
        ("Здравствуйте, не работает кнопка оплаты", "koi8-r"),
    ],
)
def test_unlabelled_8bit_text_is_read_in_the_charset_it_is_in(text: str, charset: str) -> None:
    """Russian by its letters, any other language by charset-normalizer."""
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\n" + text.encode(charset)
    read = parse(raw, max_attachment_bytes=10)
    assert read.full_text == text
    [defect] = read.defects
    assert defect.startswith("8-bit text without a charset: read as "), defect


async def _smtp(system: System, messages: list[bytes]) -> list[tuple[int, bytes]]:
    """Each message in one SMTP session, as a mail server hands them over."""

    def send() -> list[tuple[int, bytes]]:
        with smtplib.SMTP(
            "127.0.0.1", system.settings.mail_intake.smtp_listen_port, timeout=30
        ) as client:
            client.ehlo("mx.example.com")
            answers = []
            for raw in messages:
                client.rset()
                client.mail("sender@example.com")
                client.rcpt(SUPPORT)
                answers.append(client.data(raw))
            return answers

    return await asyncio.to_thread(send)


def _unwired(raw: bytes) -> bytes:
    """A message as sent, whichever door: SMTP ends lines with CRLF, and the message too."""
    return raw.replace(b"\r\n", b"\n").rstrip(b"\n")


def _with_words(tickets: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(t for t in tickets if words in t["body"])


LIMIT = 65536


@pytest.fixture
async def listening(settings: Settings, request: pytest.FixtureRequest) -> Any:
    async with listening_system(settings, request, max_mail_bytes=LIMIT) as system:
        yield system


async def test_broken_and_long_mail_is_filed_and_its_raw_message_linked(
    listening: System,
) -> None:
    system = listening
    corpus = {name: (CORPUS / name).read_bytes() for name in sorted(EXPECTED)}
    by_http = "cp1251-labelled-latin-1.eml"
    long_line = (
        f"From: long@example.com\r\nTo: {SUPPORT}\r\nSubject: HTML in one line\r\n"
        f"Message-ID: <{uuid.uuid4()}@example.com>\r\nContent-Type: text/plain; charset=utf-8"
        "\r\n\r\n" + "Длинная строка " * 100 + "конец.\r\n"
    ).encode()
    over_smtp = [raw for name, raw in corpus.items() if name != by_http] + [long_line]
    # What is refused is refused out loud, and with a record: a line longer than the whole
    # size limit is a message over it.
    too_large = long_line.replace("конец.".encode(), b"x" * LIMIT)
    with capture_logs() as logs:
        answers = await _smtp(system, [*over_smtp, too_large])
    assert all(code == 250 for code, _ in answers[:-1]), answers
    code, words = answers[-1]
    assert code == 552 and f"over the size limit of {LIMIT} bytes".encode() in words, words
    assert [e["answer"] for e in logs if e["event"] == "smtp.refused"] == ["552"]
    _, partner = await issue(system, Role.partner, partner_name="MailCo", scopes=("mail:write",))
    posted = await system.intake.post(
        "/v1/inbound/email",
        content=corpus[by_http],
        headers={**partner, "Content-Type": "message/rfc822"},
    )
    assert posted.json()["outcome"] == "ticket_created", posted.text

    staff = await agent(system)
    listed = await system.intake.get("/v1/tickets", params={"limit": 50}, headers=staff)
    tickets = [await read(system, t["id"], staff) for t in listed.json()["items"]]
    assert len(tickets) == len(corpus) + 1
    rejected = await system.intake.get("/v1/inbound/email/rejected", headers=staff)
    assert rejected.json() == []

    # A line of over 1,000 characters is mail too (SMTP said "500 Line too long" once).
    long = _with_words(tickets, "конец.")
    assert len(long["body"]) > 1000 and long["mail"]["defects"] == []

    for name, (words, defect) in EXPECTED.items():
        ticket = _with_words(tickets, words)
        mail = ticket["mail"]
        assert any(defect in found for found in mail["defects"]), (name, mail)
        assert ticket["timeline"][0]["mail"] == mail
        raw = await system.intake.get(mail["raw_url"], headers=staff)
        assert raw.status_code == 200 and raw.headers["content-type"] == "message/rfc822"
        assert _unwired(raw.content) == _unwired(corpus[name]), name

    # The raw message is staff's: not a customer's (even with their own key), nor a stranger's.
    filed = _with_words(tickets, "Не могу зайти в личный кабинет")
    url = filed["mail"]["raw_url"]
    customer = await new_ticket(system, "olga@example.com")
    assert (await system.intake.get(url)).status_code == 401
    mine = await system.intake.get(url, headers=bearer(customer["access_token"]))
    assert mine.status_code in (401, 403), mine.text
    assert (await system.intake.get(url, headers=partner)).status_code == 403
    as_customer = await read(system, customer["id"], bearer(customer["access_token"]))
    assert as_customer["mail"] is None and as_customer["timeline"][0]["mail"] is None

    # A broken reply shows on its message, with the link to its own raw mail.
    reply = (CORPUS / "cp1251-labelled-utf-8.eml").read_bytes()
    replied = _with_words(tickets, "Не работает кнопка")
    reply = reply.replace(b"Subject: Button", f"Subject: Re: [{replied['number']}]".encode())
    assert (await _smtp(system, [reply]))[0][0] == 250
    ticket = await read(system, replied["id"], staff)
    [message] = ticket["messages"]
    assert "Не работает кнопка" in message["body"]
    assert message["mail"]["id"] != replied["mail"]["id"]
    assert any("labelled 'utf-8'" in d for d in message["mail"]["defects"])
    assert ticket["timeline"][-1]["mail"] == message["mail"]
