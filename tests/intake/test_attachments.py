"""Attachments of real size (issue 15): a screenshot by mail or by multipart/form-data arrives
whole and downloads byte for byte; what is over a limit is refused out loud (413 naming the
field, SMTP 552 naming the limit, a refused mailed part listed for the agent and the sender
told, in the receipt or, for a reply, a mail of its own); only the ticket's customer and staff
download; an agent's file reaches the customer's mail.

One system per backend, with the per-file limit lowered to 6 MiB and the mail limit to
9 MiB, so that every case moves a few megabytes rather than the defaults' tens."""

from __future__ import annotations

import asyncio
import os
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from shared.settings import MIB, Settings
from tests.intake.helpers import agent, bearer, listening_system, new_ticket, read
from tests.support import System, eventually, text_of

SUPPORT = "support@sviftcommunity.ru"
SCREENSHOT = os.urandom(5 * 1000 * 1000)  # a 5 MB screenshot, made once
FILE_LIMIT, MAIL_LIMIT = 6 * MIB, 9 * MIB


def _mail(sender: str, *files: tuple[str, bytes]) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, SUPPORT, "Ошибка при оплате"
    mail["Message-ID"] = f"<{uuid.uuid4()}@example.com>"
    mail.set_content("При оплате приложение показывает ошибку, скриншот во вложении.")
    for name, data in files:
        mail.add_attachment(data, maintype="image", subtype="png", filename=name)
    return mail.as_bytes().replace(b"\n", b"\r\n")  # CRLF line ends, as on the wire


def _send(port: int, sender: str, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("client.example.com")
        client.mail(sender)  # without the SIZE hint, so that DATA itself meets the limit
        client.rcpt(SUPPORT)
        return client.data(raw)


async def _ticket_of(system: System, staff: dict[str, str], email: str) -> dict[str, Any]:
    page = await system.intake.get("/v1/tickets", params={"customer": email}, headers=staff)
    [found] = page.json()["items"]
    return await read(system, found["id"], staff)


async def _download(
    system: System, ticket_id: str, file_id: str, headers: dict[str, str]
) -> httpx.Response:
    return await system.intake.get(
        f"/v1/tickets/{ticket_id}/attachments/{file_id}", headers=headers
    )


@pytest.fixture
async def running(settings: Settings, request: pytest.FixtureRequest) -> Any:
    limits = {"max_attachment_bytes": FILE_LIMIT, "max_mail_bytes": MAIL_LIMIT}
    async with listening_system(settings, request, **limits) as system:
        # The notifier fetches an agent's files from intake over HTTP: here, intake's app.
        sender = system.apps["notifier"].state.sender
        await sender.intake.aclose()
        sender.intake = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=system.apps["intake"]), base_url="http://intake"
        )
        yield system


async def test_attachments_of_real_size_by_mail_and_form(running: System) -> None:
    system, port = running, running.settings.mail_intake.smtp_listen_port
    staff = await agent(system)

    # By mail: the screenshot arrives whole, stored outside the ticket, downloaded in chunks.
    code, _ = await asyncio.to_thread(
        _send, port, "mila@example.com", _mail("mila@example.com", ("screen.png", SCREENSHOT))
    )
    assert code == 250
    mailed = await _ticket_of(system, staff, "mila@example.com")
    [file] = mailed["attachments"]
    assert file["size"] == len(SCREENSHOT) and file["refused"] is None
    download = await _download(system, mailed["id"], file["id"], staff)
    assert download.status_code == 200 and download.content == SCREENSHOT
    assert download.headers["content-disposition"].startswith('attachment; filename="screen.png"')
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/octet-stream"

    # By multipart/form-data: the same fields as the JSON body, the file in "attachments".
    fields = {
        "channel": "web",
        "customer.email": "oleg@example.com",
        "customer.name": "Олег",
        "subject": "Не проходит оплата",
        "body": "Скриншот ошибки во вложении.",
    }
    sent = {"attachments": ("screen.png", SCREENSHOT, "image/png")}
    created = await system.intake.post("/v1/tickets", data=fields, files=sent)
    assert created.status_code == 201, created.text
    customer = bearer(created.json()["access_token"])
    ticket = await read(system, created.json()["id"], customer)
    [file] = ticket["attachments"]
    assert (file["filename"], file["content_type"]) == ("screen.png", "image/png")
    assert (await _download(system, ticket["id"], file["id"], customer)).content == SCREENSHOT

    # A form that is cut short, or a field with U+0000, is a 422 naming it, never a 500.
    cut = b'--b\r\nContent-Disposition: form-data; name="subject"\r\n\r\nx'
    form = {"content-type": "multipart/form-data; boundary=b"}
    answer = await system.intake.post("/v1/tickets", content=cut, headers=form)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body"
    tiny = {"attachments": ("a.png", b"x", "image/png")}
    nul = await system.intake.post("/v1/tickets", data={**fields, "subject": "a\x00"}, files=tiny)
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "subject"

    # Nobody else downloads it: another ticket's customer, or no one at all.
    stranger = bearer((await new_ticket(system, "other@example.com"))["access_token"])
    for headers in (stranger, {}):
        assert (await _download(system, ticket["id"], file["id"], headers)).status_code == 404
        upload = await system.intake.post(
            f"/v1/tickets/{ticket['id']}/messages", data={"body": "x"}, files=tiny, headers=headers
        )
        assert upload.status_code == 404

    # A 21 MB file: 413 naming the field, read no further than the limit, nothing stored.
    stored = await system.count_rows("intake", "attachment_chunk")
    huge = {"attachments": ("video.mp4", os.urandom(21 * MIB), "video/mp4")}
    refused = await system.intake.post(
        f"/v1/tickets/{ticket['id']}/messages", data={"body": "Видео"}, files=huge, headers=customer
    )
    assert refused.status_code == 413, refused.text
    assert refused.json()["errors"][0]["field"] == "attachments.0"
    assert str(FILE_LIMIT) in refused.json()["detail"]
    assert await system.count_rows("intake", "attachment_chunk") == stored
    assert len((await read(system, ticket["id"], customer))["messages"]) == 0

    # A mail over the whole-message limit: 552 naming it.
    big = _mail("petr@example.com", ("a.png", os.urandom(MAIL_LIMIT * 3 // 4 + 1000)))
    code, answer = await asyncio.to_thread(_send, port, "petr@example.com", big)
    assert code == 552 and str(MAIL_LIMIT).encode() in answer

    # A part over the per-file limit in a mail that fits: filed, the part listed as refused
    # for the agent, the sender told the limit.
    parts = (("ok.png", b"\x89PNG small"), ("large.png", os.urandom(FILE_LIMIT + 1)))
    code, _ = await asyncio.to_thread(
        _send, port, "anna@example.com", _mail("anna@example.com", *parts)
    )
    assert code == 250
    filed = await _ticket_of(system, staff, "anna@example.com")
    listed = {f["filename"]: f for f in filed["attachments"]}
    assert listed["ok.png"]["refused"] is None
    assert str(FILE_LIMIT) in listed["large.png"]["refused"]
    no_bytes = await _download(system, filed["id"], listed["large.png"]["id"], staff)
    assert no_bytes.status_code == 404

    # An agent's reply with a file: the customer's mail carries it.
    reply_file = os.urandom(300_000)
    answered = await system.intake.post(
        f"/v1/tickets/{ticket['id']}/messages",
        data={"body": "Посмотрите, пожалуйста, инструкцию."},
        files={"attachments": ("инструкция.pdf", reply_file, "application/pdf")},
        headers=staff,
    )
    assert answered.status_code == 201, answered.text

    async def mail_to(address: str, words: str) -> list[EmailMessage]:
        return [m for m in system.mail() if address in str(m["To"]) and words in text_of(m)]

    [reply] = await eventually(lambda: mail_to("oleg@example.com", "инструкцию"), bool)
    [attached] = list(reply.iter_attachments())
    assert attached.get_filename() == "инструкция.pdf"
    assert attached.get_content() == reply_file  # type: ignore[attr-defined]
    [told] = await eventually(lambda: mail_to("anna@example.com", "large.png"), bool)
    assert "6 МиБ" in text_of(told)
    # Her reply to the receipt with such a file is kept; she is told by a mail of its own.
    again = _mail("anna@example.com", ("larger.png", os.urandom(FILE_LIMIT + 1)))
    again = again.replace(
        b"Subject: ", f"In-Reply-To: {told['Message-ID']}\r\nSubject: Re: ".encode()
    )
    code, _ = await asyncio.to_thread(_send, port, "anna@example.com", again)
    assert code == 250
    [_] = await eventually(lambda: mail_to("anna@example.com", "larger.png"), bool)
    replied = (await read(system, filed["id"], staff))["messages"]
    assert [f["filename"] for f in replied[-1]["attachments"]] == ["larger.png"]
