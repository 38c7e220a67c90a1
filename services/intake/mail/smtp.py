"""Intake's SMTP listener (aiosmtpd): mail to the support addresses becomes tickets (clause 3).

It runs in the service's own event loop, beside the HTTP app, so it shares the runtime's
database. A recipient that is not a support address (or one with a ``+detail``, as our
per-ticket reply addresses have) is refused at RCPT (550); a message over
SVIFTDESK_MAX_MAIL_BYTES (the 552 names it), or with headers over
SVIFTDESK_MAX_MAIL_HEADER_BYTES, is refused at DATA (552); a file over its own limit in a
message that fits is listed on the ticket as refused, and the sender is told. A message is
answered 250 only once it is committed, and 451 if it could not be, so the sending server
keeps it and tries again.

Port 25 is open to anyone: one address gets a bounded number of connections at once (421
beyond), and mail beyond SVIFTDESK_SMTP_MESSAGES_PER_MINUTE from one address or one envelope
sender is kept as throttled (250: it is ours, and listed for agents) rather than filed.
The counts are this replica's own. STARTTLS is offered when a certificate is configured.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.intake.domain.tickets import describe_bytes
from services.intake.mail import door
from shared.contracts.mail import is_support_address
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

CLOSE_SECONDS = 5.0


MINUTE = 60.0


class RateWindow:
    """How many times each key was seen within the last minute."""

    def __init__(self) -> None:
        self.seen: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float) -> int:
        """Count one more for ``key``; returns its count within the minute, this one included."""
        times = self.seen.setdefault(key, deque())
        while times and times[0] <= now - MINUTE:
            times.popleft()
        times.append(now)
        if len(self.seen) > 10_000:  # forget quiet keys, so that the table stays small
            self.seen = {k: v for k, v in self.seen.items() if v and v[-1] > now - MINUTE}
        return len(times)


def header_size(raw: bytes) -> int:
    """The length of a message's header section (all of it, when no blank line ends it)."""
    ends = [at for at in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if at >= 0]
    return min(ends) if ends else len(raw)


class InboundHandler:
    """The aiosmtpd handler: only support addresses, and an answer only after the commit."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.addresses = frozenset(runtime.settings.mail_intake.support_addresses)
        self.connections: Counter[str] = Counter()
        self.recent = RateWindow()

    def too_large(self) -> str:
        settings = self.runtime.settings
        return (
            "552 5.3.4 Message over the size limit of "
            f"{describe_bytes(settings.mail_intake.max_mail_bytes)}"
            f" (files: {describe_bytes(settings.limits.max_attachment_bytes)} each, "
            f"{describe_bytes(settings.limits.max_message_attachments_bytes)} in all): not accepted"
        )

    def throttled(self, session: Session, envelope: Envelope) -> str | None:
        """Why this message is throttled at the door, if it is: by the connecting address and
        by the envelope sender, which a flood cannot vary as cheaply as a From header."""
        limit = self.runtime.settings.mail_intake.smtp_messages_per_minute
        now = time.monotonic()
        keys = [("address", _host(session.peer))]
        if envelope.mail_from:
            keys.append(("envelope sender", "from:" + envelope.mail_from.lower()))
        over = [what for what, key in keys if self.recent.hit(key, now) > limit]
        if not over:
            return None
        return f"more than {limit} messages a minute from this {' and '.join(over)}"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not is_support_address(address, self.addresses):
            return "550 5.1.1 No such mailbox here: this server takes support mail only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data, which we do not use
            raw = raw.encode("utf-8", "surrogateescape")
        limit = self.runtime.settings.mail_intake.max_mail_header_bytes
        if header_size(raw) > limit:
            # Refused, not kept: the sending server returns it to its author, who can act.
            log.warning("smtp.headers_too_large", size=header_size(raw))
            return f"552 5.3.4 Message headers over {limit} bytes: not accepted"
        try:
            outcome = await door.take(
                self.runtime,
                bytes(raw),
                envelope_sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                via="smtp",
                throttled=self.throttled(session, envelope),
            )
        except Exception as exc:
            # Not stored, so not accepted: a temporary failure makes the sender retry. Only
            # the error's type is logged: its text can quote the mail's addresses.
            log.error("smtp.not_stored", error=type(exc).__name__)
            return "451 4.3.0 Could not store the message just now; please try again later"
        what = outcome.number or outcome.outcome.value
        return f"250 2.0.0 Accepted ({what})"


def _host(peer: object) -> str:
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


class _Listener(SMTP):
    def __init__(
        self, handler: InboundHandler, *, line_length_limit: int, connections: int, **options: Any
    ) -> None:
        # Real mailers send lines far over RFC 5321's 1,000 (HTML in one line): any line of a
        # message within the size limit is taken, never answered "500 Line too long".
        self.line_length_limit = line_length_limit
        self.handler = handler
        self.max_connections = connections
        self.host: str | None = None  # counted against its address while connected
        self.refused = False
        super().__init__(handler, **options)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.host is None and not self.refused:  # not the STARTTLS layer of a connection
            host = _host(transport.get_extra_info("peername"))
            if self.handler.connections[host] >= self.max_connections:
                self.refused = True
                log.warning("smtp.too_many_connections", connections=self.max_connections)
                assert isinstance(transport, asyncio.WriteTransport)
                transport.write(b"421 4.7.0 Too many connections from your address; try later\r\n")
                transport.close()
                return
            self.host = host
            self.handler.connections[host] += 1
        super().connection_made(transport)

    async def push(self, status: str | bytes) -> None:
        """Every answer; a refusal is logged (its code only: the text never names an address),
        so that nothing is turned away without a record."""
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        # aiosmtpd's words name no limit: the sending server returns ours to the author, who
        # needs the number to act on. A line may be as long as a whole message, so a line too
        # long is a message too large.
        if text.startswith(("552 Error:", "500 Line too long")):
            log.warning("smtp.message_too_large", limit=self.data_size_limit)
            text = self.handler.too_large()
        if text[:1] in ("4", "5"):
            log.warning("smtp.refused", answer=text[:3])
        await super().push(text)

    def connection_lost(self, error: Exception | None) -> None:
        if self.refused:
            return
        if self.host is not None:
            self.handler.connections[self.host] -= 1
            if self.handler.connections[self.host] <= 0:
                del self.handler.connections[self.host]
            self.host = None
        super().connection_lost(error)


def _protocol(runtime: ServiceRuntime, handler: InboundHandler) -> SMTP:
    return _Listener(
        handler,
        line_length_limit=runtime.settings.mail_intake.max_mail_bytes + 2,
        connections=runtime.settings.mail_intake.smtp_connections_per_address,
        tls_context=_tls(runtime),
        data_size_limit=runtime.settings.mail_intake.max_mail_bytes,
        enable_SMTPUTF8=True,
        hostname=runtime.settings.public.mail_domain,
        ident="SviftDesk",
    )


def _tls(runtime: ServiceRuntime) -> ssl.SSLContext | None:
    """The context STARTTLS uses, when a certificate is configured; the listener never asks
    for TLS (mail servers that cannot speak it still reach support)."""
    settings = runtime.settings
    if (
        settings.mail_intake.smtp_tls_cert_file is None
        or settings.mail_intake.smtp_tls_key_file is None
    ):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(
        settings.mail_intake.smtp_tls_cert_file, settings.mail_intake.smtp_tls_key_file
    )
    return context


@asynccontextmanager
async def listening(runtime: ServiceRuntime) -> AsyncIterator[int | None]:
    """Serve SMTP while the block runs; yields the port, or None when turned off (port 0)."""
    settings = runtime.settings
    if not settings.mail_intake.smtp_listen_port:
        yield None
        return
    handler = InboundHandler(runtime)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _protocol(runtime, handler),
        settings.mail_intake.smtp_listen_host,
        settings.mail_intake.smtp_listen_port,
    )
    log.info(
        "smtp.listening",
        host=settings.mail_intake.smtp_listen_host,
        port=settings.mail_intake.smtp_listen_port,
    )
    try:
        yield settings.mail_intake.smtp_listen_port
    finally:
        server.close()
        # An idle client must not keep a stopping service alive.
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await server.wait_closed()
        except TimeoutError:
            log.warning("smtp.close_timed_out")
