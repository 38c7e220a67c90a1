"""Where mail goes: an SMTP server (aiosmtplib) or, on the embedded default, .eml files."""

from __future__ import annotations

import asyncio
import os
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """``smtps://`` is TLS from the start; ``smtp://`` upgrades with STARTTLS whenever the
    server offers it, and insists on it when asked to or when it logs in (a password never
    crosses in clear)."""

    def __init__(
        self,
        url: str,
        *,
        local_hostname: str,
        timeout: float = 30.0,
        require_starttls: bool = False,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self._tls = parts.scheme == "smtps"
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        # None: STARTTLS if the server offers it; True: fail rather than send in clear.
        self._start_tls: bool | None = (
            False if self._tls else (True if require_starttls or self._username else None)
        )
        self._tls_context = tls_context
        self._timeout = timeout
        # Named in EHLO. Left unset, aiosmtplib looks up this machine's name for every mail,
        # a blocking DNS call in the event loop that can take a tenth of a second or more.
        self._local_hostname = local_hostname

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            use_tls=self._tls,
            start_tls=self._start_tls,
            tls_context=self._tls_context,
            username=self._username,
            password=self._password,
            timeout=self._timeout,
            local_hostname=self._local_hostname,
        )


class FileMailer:
    """Writes each message as an .eml file, atomically, for the embedded default."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        temporary = self._directory / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, self._directory / name)


def make_mailer(
    smtp_url: str | None, mail_dir: Path, *, local_hostname: str, require_starttls: bool = False
) -> Mailer:
    if smtp_url:
        return SmtpMailer(
            smtp_url, local_hostname=local_hostname, require_starttls=require_starttls
        )
    return FileMailer(mail_dir)
