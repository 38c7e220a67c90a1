"""Intake's SMTP listener (aiosmtpd): mail to the support addresses becomes tickets (clause 3).

It runs in the service's own event loop, beside the HTTP app, so it shares the runtime's
database. A recipient that is not a support address is refused at RCPT (550); a message over
SVIFTDESK_MAX_MAIL_BYTES is refused at DATA (552); a message is answered 250 only once it is
committed, and 451 if it could not be, so the sending server keeps it and tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.intake import inbound_mail
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

CLOSE_SECONDS = 5.0


class InboundHandler:
    """The aiosmtpd handler: only support addresses, and an answer only after the commit."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.addresses = frozenset(runtime.settings.support_addresses)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.strip().lower() not in self.addresses:
            return "550 5.1.1 No such mailbox here: this server takes support mail only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data, which we do not use
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            outcome = await inbound_mail.receive(
                self.runtime,
                bytes(raw),
                envelope_sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                via="smtp",
            )
        except Exception as exc:
            # Not stored, so not accepted: a temporary failure makes the sender retry. Only
            # the error's type is logged: its text can quote the mail's addresses.
            log.error("smtp.not_stored", error=type(exc).__name__)
            return "451 4.3.0 Could not store the message just now; please try again later"
        what = outcome.number or outcome.outcome.value
        return f"250 2.0.0 Accepted ({what})"


class _Listener(SMTP):
    def __init__(self, handler: InboundHandler, *, line_length_limit: int, **options: Any) -> None:
        # Real mailers send lines far over RFC 5321's 1,000 (HTML in one line): any line of a
        # message within the size limit is taken, never answered "500 Line too long".
        self.line_length_limit = line_length_limit
        super().__init__(handler, **options)


def _protocol(runtime: ServiceRuntime, handler: InboundHandler) -> SMTP:
    return _Listener(
        handler,
        line_length_limit=runtime.settings.max_mail_bytes + 2,
        data_size_limit=runtime.settings.max_mail_bytes,
        enable_SMTPUTF8=True,
        hostname=runtime.settings.mail_domain,
        ident="SviftDesk",
    )


@asynccontextmanager
async def listening(runtime: ServiceRuntime) -> AsyncIterator[int | None]:
    """Serve SMTP while the block runs; yields the port, or None when turned off (port 0)."""
    settings = runtime.settings
    if not settings.smtp_listen_port:
        yield None
        return
    handler = InboundHandler(runtime)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _protocol(runtime, handler), settings.smtp_listen_host, settings.smtp_listen_port
    )
    log.info("smtp.listening", host=settings.smtp_listen_host, port=settings.smtp_listen_port)
    try:
        yield settings.smtp_listen_port
    finally:
        server.close()
        # An idle client must not keep a stopping service alive.
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await server.wait_closed()
        except TimeoutError:
            log.warning("smtp.close_timed_out")
