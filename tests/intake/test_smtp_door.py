"""Port 25 as an attacker meets it (issue 14): bounded connections and rates per address,
throttling by envelope sender and address (kept, listed, not filed), oversized headers
refused, and STARTTLS offered once a certificate is configured."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from services.intake.tables import inbound_mail
from shared.settings import Settings, SettingsError, load_settings
from tests.intake.helpers import agent, listening_system
from tests.support import System

SUPPORT = "support@sviftcommunity.ru"


def message(sender: str, body: str = "Не проходит оплата.", headers: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: help\r\n{headers}"
        f"Message-ID: <{uuid.uuid4()}@example.com>\r\nContent-Type: text/plain; charset=utf-8"
        f"\r\n\r\n{body}\r\n"
    ).encode()


async def connect(system: System) -> smtplib.SMTP:
    """A client; made off the loop, since the listener answers its greeting on this loop."""
    port = system.settings.mail_intake.smtp_listen_port
    client = await asyncio.to_thread(smtplib.SMTP, "127.0.0.1", port, timeout=30)
    await asyncio.to_thread(client.ehlo, "client.example.com")
    return client


async def send(client: smtplib.SMTP, raw: bytes, envelope: str) -> tuple[int, bytes]:
    def transaction() -> tuple[int, bytes]:
        client.rset()
        assert client.mail(envelope)[0] == 250
        assert client.rcpt(SUPPORT)[0] == 250
        return client.data(raw)

    return await asyncio.to_thread(transaction)


@pytest.mark.parametrize("backend", ["embedded"])
async def test_one_address_gets_a_bounded_number_of_connections(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    async with listening_system(settings, request, smtp_connections_per_address=2) as system:
        first, second = await connect(system), await connect(system)
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            await connect(system)
        assert refused.value.smtp_code == 421
        await asyncio.to_thread(first.quit)
        third = await connect(system)  # a freed place is free again
        assert (await send(third, message("ivan@example.com"), "ivan@example.com"))[0] == 250
        for client in (second, third):
            await asyncio.to_thread(client.quit)


async def test_a_flood_from_one_envelope_sender_is_kept_as_throttled(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    """Changing the From header each time does not get a flood filed: the door counts the
    envelope sender and the connecting address."""
    async with listening_system(settings, request, smtp_messages_per_minute=2) as system:
        client = await connect(system)
        answers = [
            await send(client, message(f"spoof{n}@example.com"), "flood@example.com")
            for n in range(4)
        ]
        await asyncio.to_thread(client.quit)
        assert [code for code, _ in answers] == [250] * 4  # ours either way: no retries
        assert await system.count_rows("intake", "ticket") == 2
        assert await system.count_rows("intake", "inbound_mail") == 4
        staff = await agent(system)
        listed = await system.intake.get(
            "/v1/inbound/email/rejected", params={"outcome": "throttled"}, headers=staff
        )
        assert listed.status_code == 200, listed.text
        throttled = listed.json()
        assert len(throttled) == 2
        assert all("2 messages a minute from this address" in t["reason"] for t in throttled)
        assert "envelope sender" in throttled[0]["reason"]
        bad = await system.intake.get(
            "/v1/inbound/email/rejected", params={"outcome": "ticket_created"}, headers=staff
        )
        assert bad.status_code == 422 and "outcome" in bad.text

        # Kept for the retention period, then purged; filed mail stays.
        intake = system.runtime("intake")
        now = datetime.now(UTC)
        long_ago = now - timedelta(
            days=intake.settings.mail_intake.throttled_mail_retention_days, hours=1
        )
        async with intake.db.transaction() as session:
            await session.execute(
                update(inbound_mail)
                .where(inbound_mail.c.id == uuid.UUID(throttled[1]["id"]))
                .values(received_at=long_ago)
            )
        assert (await intake.purge_own(now))["throttled_mail"] == 1
        assert (await intake.purge_own(now))["throttled_mail"] == 0
        assert await system.count_rows("intake", "inbound_mail") == 3


@pytest.mark.parametrize("backend", ["embedded"])
async def test_oversized_headers_are_refused_and_long_lines_taken(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    async with listening_system(settings, request, max_mail_header_bytes=4096) as system:
        client = await connect(system)
        padded = message("ivan@example.com", headers="X-Padding: " + "p" * 5000 + "\r\n")
        code, answer = await send(client, padded, "ivan@example.com")
        assert code == 552 and b"headers" in answer
        assert await system.count_rows("intake", "inbound_mail") == 0
        # A body line far over RFC 5321's 1,000 characters, as HTML mailers send.
        code, answer = await send(client, message("ivan@example.com", "x" * 20_000), "i@e.com")
        assert code == 250, answer
        await asyncio.to_thread(client.quit)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("backend", ["embedded"])
async def test_starttls_is_offered_with_a_certificate(
    settings: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    async with listening_system(settings, request) as plain:
        client = await connect(plain)
        assert not client.has_extn("starttls")
        await asyncio.to_thread(client.quit)
    cert, key = _self_signed(tmp_path)
    tls = {"smtp_tls_cert_file": cert, "smtp_tls_key_file": key}
    async with listening_system(settings, request, **tls) as system:
        client = await connect(system)
        assert client.has_extn("starttls")
        trusting = ssl.create_default_context(cafile=str(cert))
        trusting.check_hostname = False
        code, _ = await asyncio.to_thread(client.starttls, context=trusting)
        assert code == 220
        await asyncio.to_thread(client.ehlo, "client.example.com")
        assert isinstance(client.sock, ssl.SSLSocket)
        assert (await send(client, message("ivan@example.com"), "ivan@example.com"))[0] == 250
        await asyncio.to_thread(client.quit)
        assert await system.count_rows("intake", "ticket") == 1


def test_a_certificate_needs_its_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SVIFTDESK_SMTP_TLS_CERT_FILE", str(tmp_path / "cert.pem"))
    with pytest.raises(SettingsError, match="SVIFTDESK_SMTP_TLS_KEY_FILE"):
        load_settings()
