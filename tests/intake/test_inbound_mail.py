"""Mail to the support address becomes tickets and replies, and loops never start (clause 3).

Messages are built here the way real clients write them and handed to intake as raw bytes,
the way the SMTP listener, the HTTP endpoint and the IMAP poller hand them over.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from services.intake.domain.mail import parse
from services.intake.mail import door, imap
from services.intake.mail import inbound as inbound_mail
from services.intake.mail.schemas import InboundMailOut, InboundOutcome
from services.intake.tables import inbound_mail as inbound_mail_table
from shared.auth import Role
from shared.contracts.mail import message_id as our_message_id
from shared.settings import Settings, SettingsError, load_settings
from tests.intake.helpers import agent, issue, move, new_ticket, read
from tests.support import System, eventually, text_of

SUPPORT = "support@sviftcommunity.ru"


def plain(
    body: str,
    *,
    sender: str = "ivan@example.com",
    subject: str = "Не проходит оплата",
    charset: str = "utf-8",
    name: str = "Иван Петров",
    **headers: str,
) -> bytes:
    message = MIMEText(body, "plain", charset)
    message["From"] = f"{Header(name, charset).encode()} <{sender}>"
    message["To"] = SUPPORT
    message["Subject"] = Header(subject, charset)
    message["Message-ID"] = f"<{uuid.uuid4()}@example.com>"
    for header, value in headers.items():
        message[header.replace("_", "-")] = value
    return message.as_bytes()


async def deliver(system: System, raw: bytes, envelope_sender: str | None = None) -> InboundMailOut:
    return await door.take(
        system.runtime("intake"),
        raw,
        envelope_sender=envelope_sender,
        recipients=[SUPPORT],
        via="smtp",
    )


async def staff_view(system: System, ticket_id: object) -> dict[str, Any]:
    return await read(system, str(ticket_id), await agent(system))


def corpus() -> dict[str, tuple[bytes, str]]:
    """Each kind of mail customers send, and the text its ticket must show."""
    html = MIMEText("<html><body><p>Ошибка&nbsp;<b>500</b></p></body></html>", "html", "utf-8")
    html["From"], html["Subject"] = "html@example.com", "HTML"
    with_file = MIMEMultipart()
    with_file["From"], with_file["Subject"] = "files@example.com", "Скриншот"
    with_file.attach(MIMEText("Прикладываю журнал.", "plain", "utf-8"))
    log_file = MIMEText("ERROR 500", "plain", "utf-8")
    log_file.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "журнал.txt"))
    with_file.attach(log_file)
    forwarded = MIMEText(
        "Посмотрите, пожалуйста.\n\n-------- Пересылаемое сообщение --------\nОт: bank",
        "plain",
        "utf-8",
    )
    forwarded["From"], forwarded["Subject"] = "fwd@example.com", "Fwd: отказ банка"
    return {
        "utf-8": (plain("Не проходит оплата.", sender="u8@example.com"), "Не проходит оплата."),
        "windows-1251": (
            plain("Не могу войти.", sender="cp@example.com", charset="windows-1251"),
            "Не могу войти.",
        ),
        "koi8-r": (
            plain("Письмо не приходит.", sender="koi@example.com", charset="koi8-r"),
            "Письмо не приходит.",
        ),
        "raw 8-bit windows-1251": (
            b"From: raw@example.com\r\nTo: support@sviftcommunity.ru\r\n"
            + "Subject: Ошибка при входе\r\n".encode("cp1251")
            + b"Content-Type: text/plain\r\n\r\n"
            + "Не могу войти в кабинет".encode("cp1251"),
            "Не могу войти в кабинет",
        ),
        "html-only": (html.as_bytes(), "Ошибка 500"),
        "attachment": (with_file.as_bytes(), "Прикладываю журнал."),
        # A new request keeps what it forwards (quote trimming is for replies).
        "forwarded": (
            forwarded.as_bytes(),
            "Посмотрите, пожалуйста.\n\n-------- Пересылаемое сообщение --------\nОт: bank",
        ),
    }


async def test_each_kind_of_mail_becomes_an_email_ticket(system: System) -> None:
    for kind, (raw, text) in corpus().items():
        outcome = await deliver(system, raw)
        assert outcome.outcome is InboundOutcome.ticket_created, (kind, outcome)
        ticket = await staff_view(system, outcome.ticket_id)
        assert ticket["channel"] == "email", kind
        assert ticket["body"] == text, kind
        assert ticket["number"] == outcome.number
        if kind == "attachment":
            assert [a["filename"] for a in ticket["attachments"]] == ["журнал.txt"]
    english = await deliver(system, plain("Cannot pay", sender="en@example.com", subject="Pay"))
    assert (await staff_view(system, english.ticket_id))["customer"]["language"] == "en"


async def test_an_emailed_ticket_is_confirmed_and_automatic_mail_never_is(system: System) -> None:
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn["From"], dsn["Subject"] = "postmaster@example.com", "Undelivered Mail"
    dsn.attach(MIMEText("could not deliver", "plain", "utf-8"))
    noise = [
        (plain("Я в отпуске.", sender="a@example.com", Auto_Submitted="auto-replied"), "x"),
        (plain("Новости", sender="news@example.com", List_Id="<news.example.com>"), "x"),
        (dsn.as_bytes(), "x"),
        (plain("Ответ", sender="someone@example.com"), ""),  # null sender: a bounce
        (plain("loop", sender=SUPPORT, name="SviftDesk"), "x"),
        # A bounce read from a mailbox or posted raw: the MTA wrote the null sender down.
        (plain("Delivery failed", sender="mailer@example.net", Return_Path="<>"), None),
    ]
    for raw, envelope_sender in noise:
        outcome = await deliver(system, raw, envelope_sender=envelope_sender)
        assert outcome.outcome is InboundOutcome.ignored, outcome
        assert outcome.ticket_id is None and outcome.reason
    assert await system.count_rows("intake", "ticket") == 0
    assert await system.count_rows("intake", "inbound_mail") == len(noise)

    filed = await deliver(system, plain("Помогите", sender="real@example.com"))
    [receipt] = await system.wait_for_mail(1)
    assert receipt["To"] == "real@example.com"
    assert filed.number is not None and filed.number in str(receipt["Subject"])
    await asyncio.sleep(0.5)  # time enough for a wrong confirmation to show up
    assert len(system.mail()) == 1


async def test_a_new_request_keeps_all_its_words(system: System) -> None:
    """Quote trimming is for replies: a new request that quotes an error message, or forwards
    one, is filed whole (it was cut at "…пишет:" and at the forward's header)."""
    text = (
        "Здравствуйте!\n\nПри оплате приложение пишет:\nОшибка 502 Bad Gateway\n\n"
        "-------- Пересылаемое сообщение --------\nFrom: bank@example.com\nПлатёж отклонён."
    )
    filed = await deliver(system, plain(text))
    assert filed.outcome is InboundOutcome.ticket_created, filed
    ticket = await staff_view(system, filed.ticket_id)
    assert "Ошибка 502 Bad Gateway" in ticket["body"]
    assert "Платёж отклонён." in ticket["body"]


async def test_the_receipt_of_an_emailed_ticket_suggests_articles(system: System) -> None:
    article = {
        "language": "ru",
        "title": "Как оплатить подписку",
        "body": "Оплата принимается картой или по счёту.",
        "tags": ["оплата"],
        "status": "published",
    }
    staff = await agent(system)
    written = await system.intake.post("/v1/articles", json=article, headers=staff)
    assert written.status_code == 201, written.text
    await deliver(system, plain("Не проходит оплата картой."))
    [receipt] = await system.wait_for_mail(1)
    assert article["title"] in text_of(receipt)


async def test_mail_nobody_can_be_answered_for_is_kept_and_listed_for_staff(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken MIME is filed (tests/intake/test_broken_mail.py); mail without a sender, or
    that could not be read at all, is kept and listed."""
    no_sender = b"Subject: help\r\n\r\nplease"
    no_boundary = b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nhello"
    for raw in (no_sender, b""):
        outcome = await deliver(system, raw)
        assert outcome.outcome is InboundOutcome.rejected and outcome.reason, outcome
    # It was "broken MIME: NoBoundaryInMultipartDefect", and nobody answered Olga.
    filed = await deliver(system, no_boundary)
    assert filed.outcome is InboundOutcome.ticket_created, filed
    assert (await staff_view(system, filed.ticket_id))["body"] == "hello"
    # Even an empty mail has someone to answer ("did you mean to attach something?").
    empty = await deliver(system, b"From: quiet@example.com\r\nSubject: \r\n\r\n")
    assert empty.outcome is InboundOutcome.ticket_created, empty
    assert (await staff_view(system, empty.ticket_id))["body"] == "(an empty message)"

    def parser_breaks(*_args: object, **_kwargs: object) -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "test")

    with monkeypatch.context() as patched:
        patched.setattr(inbound_mail, "parse", parser_breaks)
        outcome = await deliver(system, plain("Что-то непонятное"))
    assert outcome.outcome is InboundOutcome.rejected
    assert await system.count_rows("intake", "ticket") == 2

    staff = await agent(system)
    response = await system.intake.get("/v1/inbound/email/rejected", headers=staff)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert len(listed) == 3
    assert all(item["reason"] for item in listed)
    assert any("could not be parsed" in " ".join(item["defects"]) for item in listed)
    kept = next(item for item in listed if item["subject"] == "help")
    raw = await system.intake.get(f"/v1/inbound/email/{kept['id']}/raw", headers=staff)
    assert raw.status_code == 200 and raw.content == no_sender
    assert (await system.intake.get("/v1/inbound/email/rejected")).status_code == 401


def signed_message_id(system: System, number: str) -> str:
    """A Message-ID of ours, as the notifier writes it on a mail about ticket ``number``."""
    signer = system.runtime("intake").signer
    return our_message_id(str(uuid.uuid4()), number, "sviftcommunity.ru", signer)


async def test_replies_thread_by_our_message_id_and_a_bare_tag_waits(system: System) -> None:
    first = await deliver(system, plain("Не проходит оплата."))
    assert first.number is not None
    by_tag = await deliver(
        system, plain("Карта Visa.", subject=f"Re: [{first.number}] Не проходит оплата")
    )
    assert by_tag.outcome is InboundOutcome.unverified
    assert by_tag.ticket_id == first.ticket_id
    ours = signed_message_id(system, first.number)
    reply = (
        "Спасибо, помогло!\n\n"
        "24.11.2026, 10:15, SviftDesk <support@sviftcommunity.ru> пишет:\n"
        "> Попробуйте очистить кэш.\n"
    )
    by_header = await deliver(
        system, plain(reply, subject="Re: ответ", In_Reply_To=ours, References=ours)
    )
    assert by_header.outcome is InboundOutcome.message_added
    assert by_header.ticket_id == first.ticket_id
    ticket = await staff_view(system, first.ticket_id)
    assert [m["body"] for m in ticket["messages"]] == ["Карта Visa.", "Спасибо, помогло!"]
    assert [m["unverified"] for m in ticket["messages"]] == [True, False]
    assert {m["author"] for m in ticket["messages"]} == {"customer"}
    assert await system.count_rows("intake", "ticket") == 1
    # The full original, quoted history and all, is kept.
    async with system.runtime("intake").db.sessions() as session:
        raws = (await session.execute(select(inbound_mail_table.c.raw))).scalars().all()
    kept = [parse(r, max_attachment_bytes=1024).full_text for r in raws]
    assert any("> Попробуйте очистить кэш." in text for text in kept)


async def test_a_stranger_with_a_valid_tag_starts_a_new_ticket(system: System) -> None:
    first = await deliver(system, plain("Вопрос"))
    stranger = await deliver(
        system,
        plain("Я тоже!", sender="mallory@example.com", subject=f"Re: [{first.number}] Вопрос"),
    )
    assert stranger.outcome is InboundOutcome.ticket_created
    assert stranger.ticket_id != first.ticket_id
    ticket = await staff_view(system, stranger.ticket_id)
    assert first.number not in ticket["subject"]
    assert (await staff_view(system, first.ticket_id))["messages"] == []


async def test_a_tag_no_ticket_could_have_starts_a_new_ticket(system: System) -> None:
    """A number past what the database holds names no ticket: filed anew, never a failure."""
    await deliver(system, plain("Вопрос"))
    huge = await deliver(system, plain("Ответ", subject="Re: [SC-23547065208582453774] Вопрос"))
    assert huge.outcome is InboundOutcome.ticket_created


async def test_a_reply_reopens_a_resolved_ticket(system: System) -> None:
    created = await new_ticket(system, "ivan@example.com")
    staff = await agent(system)
    assert (await move(system, staff, created["id"], "resolved")).status_code == 200
    ours = signed_message_id(system, created["number"])
    outcome = await deliver(
        system, plain("Снова не работает.", subject="Re: Решено", References=ours)
    )
    assert outcome.outcome is InboundOutcome.message_added
    ticket = await read(system, created["id"], staff)
    assert ticket["status"] == "in_progress"
    assert ticket["timeline"][-1]["from_status"] == "resolved"
    assert ticket["timeline"][-1]["actor"] == "customer"


async def test_a_reply_to_a_closed_ticket_starts_a_linked_one(system: System) -> None:
    created = await new_ticket(system, "ivan@example.com")
    staff = await agent(system)
    for status in ("resolved", "closed"):
        assert (await move(system, staff, created["id"], status)).status_code == 200
    outcome = await deliver(
        system, plain("Опять ошибка.", subject=f"Re: [{created['number']}] Решено")
    )
    assert outcome.outcome is InboundOutcome.ticket_created
    assert outcome.ticket_id != uuid.UUID(created["id"])
    new = await read(system, str(outcome.ticket_id), staff)
    old = await read(system, created["id"], staff)
    assert old["status"] == "closed"
    assert created["number"] in new["timeline"][-1]["note"]
    assert outcome.number is not None and outcome.number in old["timeline"][-1]["note"]


async def test_a_resent_message_files_one_ticket(system: System) -> None:
    raw = plain("Дубль")
    first = await deliver(system, raw)
    again = await deliver(system, raw)
    assert again.duplicate and again.ticket_id == first.ticket_id
    assert again.number == first.number
    twice_at_once = plain("Дважды", sender="twice@example.com")
    both = await asyncio.gather(deliver(system, twice_at_once), deliver(system, twice_at_once))
    assert both[0].ticket_id == both[1].ticket_id
    assert await system.count_rows("intake", "ticket") == 2
    assert await system.count_rows("intake", "inbound_mail") == 2


async def test_a_reused_message_id_with_other_words_is_another_message(system: System) -> None:
    """Some mailers reuse Message-IDs: every message after the first was answered 250 and kept
    nowhere. A resend has the same words; a message with other words is filed."""

    def with_reused_id(body: str) -> bytes:
        message = MIMEText(body, "plain", "utf-8")
        message["From"], message["To"] = "reuse@example.com", SUPPORT
        message["Subject"], message["Message-ID"] = "Вопрос", "<same-id@mailer.example.com>"
        return message.as_bytes()

    one = await deliver(system, with_reused_id("Не работает вход"))
    two = await deliver(system, with_reused_id("Не приходит код"))
    again = await deliver(system, with_reused_id("Не приходит код"))
    assert one.outcome is two.outcome is InboundOutcome.ticket_created
    assert two.ticket_id != one.ticket_id
    assert (await staff_view(system, two.ticket_id))["body"] == "Не приходит код"
    assert again.duplicate and again.ticket_id == two.ticket_id


@pytest.fixture
async def throttled_system(
    settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[System]:
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    tight = settings.model_copy(update={"mail_throttle_messages": 3})
    async with System.start(tight, smtp_sink=sink) as running:
        yield running


async def test_a_flooding_sender_is_throttled(throttled_system: System) -> None:
    system = throttled_system
    outcomes = [await deliver(system, plain(f"Письмо {n}")) for n in range(5)]
    assert [o.outcome for o in outcomes] == [InboundOutcome.ticket_created] * 3 + [
        InboundOutcome.throttled
    ] * 2
    assert outcomes[-1].reason and "3 messages" in outcomes[-1].reason
    other = await deliver(system, plain("Другой", sender="calm@example.com"))
    assert other.outcome is InboundOutcome.ticket_created
    assert await system.count_rows("intake", "ticket") == 4
    assert await system.count_rows("intake", "inbound_mail") == 6
    await system.wait_for_mail(4)
    await asyncio.sleep(0.5)
    assert len(system.mail()) == 4  # no confirmation for throttled mail


async def test_raw_mail_by_http_for_partners_with_the_mail_scope(system: System) -> None:
    _, partner = await issue(system, Role.partner, partner_name="MailCo", scopes=("mail:write",))
    raw = plain("Через провайдера")
    response = await system.intake.post(
        "/v1/inbound/email",
        content=raw,
        headers={**partner, "Content-Type": "message/rfc822"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["outcome"] == "ticket_created" and answer["number"].startswith("SC-")
    again = await system.intake.post(
        "/v1/inbound/email",
        content=raw,
        headers={**partner, "Content-Type": "application/octet-stream"},
    )
    assert again.json()["duplicate"] is True

    _, reader = await issue(system, Role.partner, scopes=("tickets:read",))
    refused = await system.intake.post(
        "/v1/inbound/email", content=raw, headers={**reader, "Content-Type": "message/rfc822"}
    )
    assert refused.status_code == 403
    anonymous = await system.intake.post(
        "/v1/inbound/email", content=raw, headers={"Content-Type": "message/rfc822"}
    )
    assert anonymous.status_code == 401
    as_json = await system.intake.post("/v1/inbound/email", json={"raw": "x"}, headers=partner)
    assert as_json.status_code == 415 and "Content-Type" in as_json.text
    # A forwarded mail may be larger than any JSON request: its own limit applies.
    history = "\n".join(f"> строка {n} из переписки" for n in range(12_000))
    long_thread = plain(f"Ответ выше.\n\n{history}", subject="Длинная переписка")
    assert (
        system.settings.limits.max_request_bytes
        < len(long_thread)
        < system.settings.mail_intake.max_mail_bytes
    )
    accepted = await system.intake.post(
        "/v1/inbound/email",
        content=long_thread,
        headers={**partner, "Content-Type": "message/rfc822"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["outcome"] == "ticket_created"
    limit = system.settings.mail_intake.max_mail_bytes
    huge = await system.intake.post(
        "/v1/inbound/email",
        content=b"x" * (limit + 1),
        headers={**partner, "Content-Type": "message/rfc822"},
    )
    assert huge.status_code == 413
    empty = await system.intake.post(
        "/v1/inbound/email", content=b"", headers={**partner, "Content-Type": "message/rfc822"}
    )
    assert empty.status_code == 400


class FakeMailbox:
    """An IMAP mailbox as the poller sees it: unseen messages, and which were marked."""

    def __init__(self, messages: dict[str, bytes]) -> None:
        self.messages = messages
        self.marked: list[str] = []

    async def unseen(self) -> list[str]:
        return [uid for uid in self.messages if uid not in self.marked]

    async def fetch(self, uid: str) -> bytes | None:
        return self.messages.get(uid)

    async def mark_done(self, uid: str) -> None:
        self.marked.append(uid)

    async def close(self) -> None:
        pass


async def test_imap_marks_a_message_only_after_its_ticket_committed(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = system.runtime("intake")
    mailbox = FakeMailbox({"7": plain("По IMAP"), "8": plain("Ещё", sender="b@example.com")})

    async def refuse(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("database away (test)")

    with monkeypatch.context() as patched:
        patched.setattr(inbound_mail, "_record", refuse)
        with pytest.raises(ConnectionError):
            await imap.poll_once(runtime, mailbox)
    assert mailbox.marked == []
    assert await imap.poll_once(runtime, mailbox) == 2
    assert mailbox.marked == ["7", "8"]
    assert await imap.poll_once(runtime, mailbox) == 0
    assert await system.count_rows("intake", "ticket") == 2


class TinyImapServer:
    """Just enough IMAP4rev1 on loopback for the poller: LOGIN, SELECT, UID SEARCH UNSEEN,
    UID FETCH, UID STORE +FLAGS, LOGOUT; it keeps each message's flags."""

    def __init__(self, messages: dict[int, bytes]) -> None:
        self.messages = messages
        self.seen: set[int] = set()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK IMAP4rev1 ready\r\n")
        while line := await reader.readline():
            tag, command, *args = line.decode().strip().split(" ")
            command = command.upper()
            if command == "UID":
                command = f"UID {args.pop(0).upper()}"
            if command == "CAPABILITY":
                writer.write(b"* CAPABILITY IMAP4rev1\r\n")
            elif command == "SELECT":
                writer.write(f"* {len(self.messages)} EXISTS\r\n".encode())
            elif command == "UID SEARCH":
                unseen = " ".join(str(uid) for uid in self.messages if uid not in self.seen)
                writer.write(f"* SEARCH {unseen}\r\n".encode())
            elif command == "UID FETCH":
                uid = int(args[0])
                body = self.messages[uid]
                writer.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(body)}}}\r\n".encode())
                writer.write(body + b")\r\n")
            elif command == "UID STORE":
                self.seen.add(int(args[0]))
                writer.write(f"* {args[0]} FETCH (UID {args[0]} FLAGS (\\Seen))\r\n".encode())
            elif command == "LOGOUT":
                writer.write(b"* BYE\r\n")
            writer.write(f"{tag} OK {command} completed\r\n".encode())
            await writer.drain()
            if command == "LOGOUT":
                break
        writer.close()


async def test_imap_poller_against_an_imap_server(system: System) -> None:
    server = TinyImapServer({1: plain("По IMAP"), 2: plain("Ещё одно", sender="b@example.com")})
    await server.start()
    try:
        url = f"imap://support%40sviftcommunity.ru:secret@127.0.0.1:{server.port}/INBOX"
        mailbox = await imap.ImapMailbox.open(url)
        try:
            assert sorted(await mailbox.unseen()) == ["1", "2"]
            assert await imap.poll_once(system.runtime("intake"), mailbox) == 2
            assert await mailbox.unseen() == []
        finally:
            await mailbox.close()
    finally:
        await server.stop()
    assert server.seen == {1, 2}
    assert await system.count_rows("intake", "ticket") == 2


async def test_intake_polls_the_configured_mailbox(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    server = TinyImapServer({5: plain("Из почтового ящика")})
    await server.start()
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    polling = settings.model_copy(
        update={
            "imap_url": SecretStr(f"imap://support:secret@127.0.0.1:{server.port}/INBOX"),
            "imap_poll_seconds": 0.1,
        }
    )
    try:
        async with System.start(polling, smtp_sink=sink) as system:

            async def tickets() -> int:
                return await system.count_rows("intake", "ticket")

            async def marked() -> set[int]:
                return server.seen

            await eventually(tickets, lambda count: count == 1)
            await eventually(marked, lambda seen: seen == {5})
            await asyncio.sleep(0.3)  # a few more rounds: nothing is filed twice
            assert await tickets() == 1
    finally:
        await server.stop()


def test_mail_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SVIFTDESK_SUPPORT_ADDRESSES", "Support@SviftCommunity.ru, help@sviftcommunity.ru"
    )
    assert load_settings().mail_intake.support_addresses == (
        "support@sviftcommunity.ru",
        "help@sviftcommunity.ru",
    )
    monkeypatch.setenv("SVIFTDESK_IMAP_URL", "http://mail.example.com")
    with pytest.raises(SettingsError, match="SVIFTDESK_IMAP_URL"):
        load_settings()
