"""Test helpers: a whole SviftDesk in-process, an SMTP sink, a loopback HTTP receiver, waiting
for things to happen."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import itertools
import json
import math
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from ssl import SSLContext
from typing import Any, Self, TypeVar

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import func, select

from services.cli import app_factory
from shared.bus import Bus
from shared.runtime import ServiceRuntime, make_bus
from shared.settings import SERVICES, Settings

T = TypeVar("T")

# The services a test system starts: the console (pages only) is started by the browser
# tests of tests/console, which hand it these services' apps.
API_SERVICES = tuple(name for name in SERVICES if name != "console")

# A key as an operator makes one (openssl rand -hex 32): weak ones are refused at start.
TEST_SECRET_KEY = "3f9c2b7e8a1d4c6f0b5e9a2d7c4f1e8b6a3d0c9f2e5b8a1d4c7f0e3b6a9d2c5f"

# A policy open around the clock: business minutes are wall minutes, so a test can aim
# targets and gauges at "now".
ALWAYS_OPEN = """
version = "always-open"
effective_from = 2000-01-01
timezone = "Europe/Moscow"
[schedule]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
[targets]
first_response_minutes = 1440
business_day_minutes = 540
warning_threshold = 0.75
"""


@asynccontextmanager
async def uvicorn_serving(config: uvicorn.Config) -> AsyncIterator[uvicorn.Server]:
    """A real uvicorn serving ``config`` in this event loop, once it has started; stopped when
    done. (Pass ``log_config=None``: uvicorn's own dictConfig would rewire the process's
    loggers for every later test in this worker.)"""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if task.done():
                    task.result()  # its error (a port taken, say), not a timeout
                await asyncio.sleep(0.02)
        yield server
    finally:
        server.should_exit = True
        await task


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
) -> T:
    """Poll ``probe`` until ``check`` accepts its value; fail with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            shown = f"{len(value)} items" if isinstance(value, list) else repr(value)[:500]
            raise AssertionError(f"condition not reached within {timeout}s; last value: {shown}")
        await asyncio.sleep(interval)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrivals: dict[str, float] = {}
        self._lock = threading.Lock()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        # server_hostname given: otherwise each session looks this machine's name up in DNS.
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="sink.test"
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            for recipient in envelope.rcpt_tos:
                self._arrivals[recipient] = time.perf_counter()
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def received_at(self) -> dict[str, float]:
        """When each recipient's mail was accepted (perf_counter), for latency figures."""
        with self._lock:
            return dict(self._arrivals)

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)


@dataclass
class System:
    """The services in this process (the four APIs by default), each with its own client."""

    settings: Settings
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    smtp_sink: SmtpSink | None
    _stack: AsyncExitStack = field(repr=False)

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        settings: Settings,
        *,
        smtp_sink: SmtpSink | None = None,
        bus: Bus | None = None,
        services: tuple[str, ...] = API_SERVICES,
        wait_connected: bool = True,
    ) -> AsyncIterator[System]:
        async with AsyncExitStack() as stack:
            shared: Bus | None = bus
            if shared is None and not settings.amqp_url:
                shared = make_bus(settings)
            if shared is not None:
                await shared.start()
                stack.push_async_callback(shared.close)
            apps = {name: app_factory(name)(settings, bus=shared) for name in services}
            clients = {}
            for name, app in apps.items():
                await stack.enter_async_context(app.router.lifespan_context(app))
                clients[name] = await stack.enter_async_context(
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
                    )
                )
            system = cls(
                settings,
                apps,
                clients,
                smtp_sink,
                stack,
            )
            if wait_connected:
                await eventually(system._all_connected, bool, timeout=20)
            yield system

    async def _all_connected(self) -> bool:
        return all(self.runtime(name).bus.connected for name in self.apps)

    def runtime(self, service: str) -> ServiceRuntime:
        runtime: ServiceRuntime = self.apps[service].state.runtime
        return runtime

    @property
    def intake(self) -> httpx.AsyncClient:
        return self.clients["intake"]

    def mail(self) -> list[EmailMessage]:
        """Every message sent so far: from the SMTP sink, or the .eml files."""
        if self.smtp_sink is not None:
            return self.smtp_sink.received()
        directory = self.settings.mail_dir
        if not directory.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(directory.glob("*.eml"))
        ]

    async def wait_for_mail(self, count: int, *, timeout: float = 20.0) -> list[EmailMessage]:
        # Counted, and parsed once there: parsing every message at each poll cost the system
        # under test more CPU than sending them, enough to miss the timeout on a busy machine.
        async def probe() -> int:
            if self.smtp_sink is not None:
                return len(self.smtp_sink.received())
            directory = self.settings.mail_dir
            return sum(1 for _ in directory.glob("*.eml")) if directory.exists() else 0

        await eventually(probe, lambda sent: sent >= count, timeout=timeout)
        return self.mail()

    async def has_handled(self, service: str, event_id: str) -> bool:
        """Whether ``service`` has handled this event (its inbox holds the id)."""
        runtime = self.runtime(service)
        inbox = runtime.inbox.table
        async with runtime.db.sessions() as session:
            query = select(inbox.c.event_id).where(inbox.c.event_id == event_id)
            return (await session.execute(query)).first() is not None

    async def unpublished(self, service: str) -> int:
        """How many of ``service``'s events its outbox still has to publish."""
        runtime = self.runtime(service)
        async with runtime.db.sessions() as session:
            return await runtime.outbox.pending(session)

    async def count_rows(self, service: str, table: str) -> int:
        runtime = self.runtime(service)
        assert runtime.metadata.schema is not None
        target = runtime.metadata.tables[f"{runtime.metadata.schema}.{table}"]
        async with runtime.db.sessions() as session:
            return int(
                (await session.execute(select(func.count()).select_from(target))).scalar_one()
            )


def ticket_body(email_address: str = "ivan@example.com", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web",
        "customer": {"email": email_address, "name": "Иван Петров", "language": "ru"},
        "subject": "Не проходит оплата",
        "body": "При оплате картой страница зависает.",
    }
    body.update(overrides)
    return body


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    """The HTML part: what most customers' mail programs show."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())  # type: ignore[attr-defined]


class TcpProxy:
    """A loopback TCP proxy that can play a broker outage: down refuses and cuts connections."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, upstream_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


class FlakyBus:
    """The embedded bus behind a switch, to play a broker outage on the embedded backend."""

    def __init__(self, inner: Bus, *, refuse_every: int = 0) -> None:
        self.inner = inner
        self.available = False
        self.refuse_every, self.attempts = refuse_every, 0  # refuse each n-th publish

    @property
    def connected(self) -> bool:
        return self.available

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def publish(self, event: Any) -> None:
        from shared.bus import BusUnavailableError

        if not self.available:
            raise BusUnavailableError("broker down (test)")
        await self.inner.publish(event)

    async def publish_encoded(self, event: Any) -> None:
        from shared.bus import BusUnavailableError

        self.attempts += 1
        if not self.available or (self.refuse_every and self.attempts % self.refuse_every == 0):
            raise BusUnavailableError("broker down (test)")
        await self.inner.publish_encoded(event)

    async def subscribe(self, consumer: str, event_types: Any, handler: Any) -> None:
        await self.inner.subscribe(consumer, event_types, handler)

    async def parked(self, consumer: str) -> Any:
        return await self.inner.parked(consumer)

    async def replay(self, consumer: str) -> int:
        return await self.inner.replay(consumer)

    async def replay_one(self, consumer: str, event_id: str) -> bool:
        return await self.inner.replay_one(consumer, event_id)


@dataclass
class Received:
    """One request a ``LoopbackReceiver`` took."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    """What a ``LoopbackReceiver`` answers one request with."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    # Seconds before a byte of it is written; math.inf: never (until the receiver stops).
    delay: float = 0.0
    # A byte every ``drip`` seconds, and never the end: the head promises more than ever comes.
    drip: float | None = None


class LoopbackReceiver:
    """An HTTP/1.1 endpoint on loopback that records every request and answers as told: a
    partner's webhook endpoint, the development tracker, a server that never answers.

    Each answer's status is the next of ``answers`` (the last one repeats), with ``body``,
    after ``delay`` seconds, or dripping (see ``Answer``); a subclass may answer otherwise by
    overriding ``answer``. ``ssl``: served over TLS with that context. Use it as an async
    context manager, or ``start()`` and ``stop()`` it; stopping ends every answer still due.
    """

    def __init__(
        self,
        answers: list[int] | None = None,
        *,
        body: bytes = b"",
        delay: float = 0.0,
        drip: float | None = None,
        path: str = "/hooks/sviftdesk",
        ssl: SSLContext | None = None,
    ) -> None:
        self.answers = answers or [200]
        self.body, self.delay, self.drip = body, delay, drip
        self.path = path
        self.requests: list[Received] = []
        self.port = 0
        self._ssl = ssl
        self._server: asyncio.Server | None = None
        self._handlers: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._stopping = asyncio.Event()

    @property
    def url(self) -> str:
        return self.url_for(self.path)

    def url_for(self, path: str) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def answer(self, request: Received) -> Answer:
        """The answer to ``request``, the latest of ``requests``."""
        status = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
        return Answer(status, self.body, delay=self.delay, drip=self.drip)

    async def start(self) -> None:
        self._stopping.clear()
        # The port kept from an earlier start: a restarted endpoint is found where it was.
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, ssl=self._ssl
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Each answer still due ends (not cancelled: asyncio's streams log a cancelled handler
        # as an error), and a request still being read is cut off.
        self._stopping.set()
        for writer in self._handlers.values():
            writer.transport.abort()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _running(self, seconds: float) -> bool:
        """Wait ``seconds`` (math.inf: for ever); False if the receiver stops first."""
        timeout = None if seconds == math.inf else seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout)
        return not self._stopping.is_set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers[task] = writer
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            first, *lines = head.decode("latin-1").split("\r\n")
            method, path, *_ = [*first.split(" "), "", ""]
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Received(method, path, headers, body)
            self.requests.append(request)
            answer = self.answer(request)
            if answer.delay and not await self._running(answer.delay):
                return
            length = len(answer.body) + (1_000_000 if answer.drip else 0)
            raw = (
                f"HTTP/1.1 {answer.status} X\r\ncontent-type: {answer.content_type}\r\n"
                f"content-length: {length}\r\nconnection: close\r\n\r\n"
            ).encode() + answer.body
            if answer.drip is None:
                writer.write(raw)
                await writer.drain()
                return
            for at in itertools.count():
                writer.write(raw[at : at + 1] or b" ")
                await writer.drain()
                if not await self._running(answer.drip):
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
            self._handlers.pop(task, None)
