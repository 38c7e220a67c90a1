"""The optional IMAP poller (aioimaplib): a mailbox ops configure with SVIFTDESK_IMAP_URL.

Each unseen message is handled like mail that came by SMTP, and marked \\Seen only once what it
caused is committed: if the database fails, the message stays unseen and the next poll takes
it again (a message handled twice changes nothing: inbound mail is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aioimaplib
import structlog

from services.intake.mail import door
from shared.runtime import ServiceRuntime, Worker

log = structlog.get_logger(__name__)

COMMAND_SECONDS = 30.0


class Mailbox(Protocol):
    async def unseen(self) -> list[str]: ...
    async def fetch(self, uid: str) -> bytes | None: ...
    async def mark_done(self, uid: str) -> None: ...
    async def close(self) -> None: ...


class ImapError(RuntimeError):
    """The IMAP server refused a command."""


class ImapMailbox:
    """One selected mailbox over aioimaplib, addressed by UID."""

    def __init__(self, client: aioimaplib.IMAP4) -> None:
        self.client = client

    @classmethod
    async def open(cls, url: str) -> ImapMailbox:
        parts = urlsplit(url)
        secure = parts.scheme == "imaps"
        port = parts.port or (993 if secure else 143)
        host = parts.hostname or ""
        client = (
            aioimaplib.IMAP4_SSL(host=host, port=port, timeout=COMMAND_SECONDS)
            if secure
            else aioimaplib.IMAP4(host=host, port=port, timeout=COMMAND_SECONDS)
        )
        await client.wait_hello_from_server()
        mailbox = cls(client)
        await mailbox._ok(
            client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        )
        await mailbox._ok(client.select(unquote(parts.path.strip("/")) or "INBOX"))
        return mailbox

    async def _ok(self, command: Awaitable[aioimaplib.Response]) -> aioimaplib.Response:
        response = await command
        if response.result != "OK":
            raise ImapError(f"IMAP server answered {response.result}")
        return response

    async def unseen(self) -> list[str]:
        response = await self._ok(self.client.uid_search("UNSEEN"))
        found = b" ".join(line for line in response.lines[:-1] if isinstance(line, bytes))
        return re.findall(r"\d+", found.decode("ascii", "replace"))

    async def fetch(self, uid: str) -> bytes | None:
        response = await self._ok(self.client.uid("fetch", uid, "(BODY.PEEK[])"))
        # The literal (the message itself) comes as a bytearray between the FETCH lines.
        literals = [bytes(line) for line in response.lines if isinstance(line, bytearray)]
        return literals[0] if literals else None

    async def mark_done(self, uid: str) -> None:
        await self._ok(self.client.uid("store", uid, "+FLAGS", "(\\Seen)"))

    async def close(self) -> None:
        with contextlib.suppress(aioimaplib.AioImapException, OSError, TimeoutError):
            await self.client.logout()


async def poll_once(runtime: ServiceRuntime, mailbox: Mailbox) -> int:
    """Handle every unseen message; returns how many were committed and marked. A database
    failure stops the round with the message still unseen."""
    done = 0
    for uid in await mailbox.unseen():
        raw = await mailbox.fetch(uid)
        if raw is None:
            continue
        # One unit of work a message, committed before the message is marked seen.
        await door.take(runtime, raw, envelope_sender=None, recipients=[], via="imap")
        await mailbox.mark_done(uid)
        done += 1
    return done


Opener = Callable[[str], Awaitable[Mailbox]]


def poller(runtime: ServiceRuntime, opener: Opener = ImapMailbox.open) -> Worker:
    """A runtime worker that polls every SVIFTDESK_IMAP_POLL_SECONDS until cancelled."""
    assert runtime.settings.mail_intake.imap_url is not None
    url = runtime.settings.mail_intake.imap_url.get_secret_value()

    async def run() -> None:
        while True:
            try:
                mailbox = await opener(url)
                try:
                    await poll_once(runtime, mailbox)
                finally:
                    await mailbox.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The mailbox or the database is away: the mail waits there, try next round.
                log.warning("imap.poll_failed", error=type(exc).__name__)
            await asyncio.sleep(runtime.settings.mail_intake.imap_poll_seconds)

    return run
