"""Outgoing mail over smtp:// is upgraded with STARTTLS whenever the server offers it, and an
operator can insist on it: then mail waits rather than go in clear (issue 14)."""

from __future__ import annotations

import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from services.notifier.mailer import SmtpMailer
from shared.auth import Role
from shared.settings import Settings
from tests.conftest import free_port
from tests.notifier.tls import self_signed
from tests.support import SmtpSink, System, eventually, ticket_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"smtp_require_starttls": True})


@pytest.mark.parametrize("backend", ["real"])  # the embedded backend writes files, no SMTP
async def test_mail_waits_rather_than_go_in_clear_when_starttls_is_required(
    system: System,
) -> None:
    assert system.smtp_sink is not None  # a server that offers no STARTTLS
    response = await system.intake.post("/v1/tickets", json=ticket_body("olga@example.com"))
    assert response.status_code == 201, response.text
    admin = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.admin)

    async def parked() -> list[dict[str, Any]]:
        answer = await system.clients["notifier"].get(
            "/v1/deliveries/parked", headers={"Authorization": f"Bearer {admin}"}
        )
        return list(answer.json())

    [entry] = await eventually(parked, bool)
    assert entry["channel"] == "email" and "STARTTLS" in entry["last_error"]
    assert system.smtp_sink.received() == []


class _Recorder:
    def __init__(self) -> None:
        self.sessions: list[Any] = []

    async def handle_DATA(self, _server: Any, session: Any, _envelope: Any) -> str:
        self.sessions.append(session)
        return "250 OK"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path, "IP:127.0.0.1")


async def test_starttls_is_used_whenever_the_server_offers_it(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    recorder, port = _Recorder(), free_port()
    # A server that takes mail only after STARTTLS: plain mail would be refused.
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        server_hostname="tls.test",
        tls_context=server_context,
        require_starttls=True,
    )
    controller.start()
    try:
        mailer = SmtpMailer(
            f"smtp://127.0.0.1:{port}",
            local_hostname="sviftcommunity.ru",
            tls_context=ssl.create_default_context(cafile=str(cert)),
        )
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
        message.set_content("Hello")
        await mailer.send(message)
    finally:
        controller.stop()
    [session] = recorder.sessions
    assert session.ssl is not None


async def test_a_password_never_crosses_in_clear(smtp_sink: SmtpSink) -> None:
    """smtp:// with a user and password to a server without STARTTLS: nothing is sent."""
    url = smtp_sink.url.replace("smtp://", "smtp://desk:secret@")
    mailer = SmtpMailer(url, local_hostname="sviftcommunity.ru")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
    message.set_content("Hello")
    with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
        await mailer.send(message)
    assert smtp_sink.received() == []
