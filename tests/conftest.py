"""Fixtures shared by the suite: both backends, and a whole SviftDesk system in-process.

``backend`` runs a test twice: on the embedded default (SQLite files, the bus too) and on
the real servers (a fresh PostgreSQL database + RabbitMQ names of its own). Under CI an
unreachable server is a failure; on a laptop it is a skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import pytest
import structlog

from services.cli import migrate_services
from shared.bus.topology import Topology
from shared.logging import configure_logging
from shared.settings import SERVICES, Settings
from shared.unit_of_work import UnitOfWork
from tests.fast import BareService, migrated_copy
from tests.support import ALWAYS_OPEN, TEST_SECRET_KEY, SmtpSink, System

PG_ADMIN_URL = os.environ.get("SVIFTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("SVIFTDESK_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Intake's SMTP listener is off in tests unless a test gives it a free port of its own: every
# system in the suite would otherwise want port 2525.
os.environ.setdefault("SVIFTDESK_SMTP_LISTEN_PORT", "0")
# The services' console logs, as the tests that change the logging leave it. structlog's own
# default renders each traceback with rich, which held the event loop for minutes while a
# relay logged its failures against a database that was down. Loggers are not cached, so
# structlog.testing.capture_logs still sees every one.
configure_logging("INFO", json=False)
structlog.configure(cache_logger_on_first_use=False)


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error!r})"
    if IN_CI:
        pytest.fail(message + ": under CI this is a failure, not a skip", pytrace=False)
    pytest.skip(message)


def _sqlalchemy_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded backend's SQLite files, migrated once per run; each test gets a copy."""
    var_dir = tmp_path_factory.mktemp("sqlite_template") / "var"
    asyncio.run(migrate_services(Settings(var_dir=var_dir), SERVICES))
    return var_dir


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated once per run; each test gets a copy of it."""
    name = f"sviftdesk_test_{uuid.uuid4().hex[:10]}_tpl"

    async def create() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        await migrate_services(Settings(database_url=_sqlalchemy_url(name)))

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError) as exc:
        _unavailable("PostgreSQL", exc)
    yield name
    asyncio.run(_drop_database(name))


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


Remove = Callable[[Coroutine[Any, Any, None]], None]


@pytest.fixture(scope="session")
def leftovers() -> Iterator[Remove]:
    """Removes a test's database and broker names beside the next tests: a DROP DATABASE or a
    quorum queue's deletion takes seconds on a busy server, which no test needs to wait for.
    At most two are behind (a test's teardown waits for the older ones): on a busy machine
    removals were slower than tests, and the run's end waited past the timeout for hundreds."""
    pending: deque[Future[None]] = deque()

    def remove(removal: Coroutine[Any, Any, None]) -> None:
        pending.append(remover.submit(asyncio.run, removal))
        while len(pending) > 2:
            pending.popleft().result()  # a failed removal errs a test's teardown

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leftovers") as remover:
        yield remove
    while pending:
        pending.popleft().result()


@pytest.fixture
async def pg_url(pg_template: str, leftovers: Remove) -> AsyncIterator[str]:
    name = f"sviftdesk_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
        # A commit need not wait for the disk (on a machine busy with I/O, seconds): a test's
        # database does not outlive a crash of the server.
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await conn.close()
    yield _sqlalchemy_url(name)
    leftovers(_drop_database(name))


@pytest.fixture(scope="session")
def amqp_server() -> str:
    """RabbitMQ, checked once per run: a broker that is down or hangs fails (or skips) every
    test on the real servers at once, instead of costing each of them a connect time-out."""

    async def check() -> None:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        await connection.close()

    try:
        asyncio.run(check())
    except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
        _unavailable("RabbitMQ", exc)
    return AMQP_URL


@pytest.fixture
async def amqp_prefix(amqp_server: str, leftovers: Remove) -> AsyncIterator[str]:
    """Exchange and queue names of this test alone; deleted afterwards."""
    prefix = f"sviftdesk-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    leftovers(delete_topology(Topology(prefix=prefix)))


async def delete_topology(topology: Topology, delays: tuple[int, ...] | None = None) -> None:
    connection = await aio_pika.connect(AMQP_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        for consumer in topology.bindings:
            names = [topology.queue(consumer), topology.parking_queue(consumer)]
            names += [topology.wait_queue(consumer, d) for d in delays or TEST_RETRY_DELAYS_MS]
            for name in names:
                await channel.queue_delete(name)
        for name in (topology.exchange, topology.parking_exchange):
            await channel.exchange_delete(name)


TEST_RETRY_DELAYS_MS = (100, 300)
UNLIMITED = {
    name: "1000000/minute"
    for name in (
        "rate_limit_per_client",
        "rate_limit_per_customer",
        "rate_limit_per_partner",
        "rate_limit_complaint_reviews",
    )
}


@pytest.fixture(params=["embedded", "real"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of a system of one's own, on the backend under test.

    The embedded backend writes mail as .eml files; the real one sends it by SMTP to a sink.
    """
    common: dict[str, Any] = {
        "var_dir": tmp_path / "var",
        "retry_delays_ms": TEST_RETRY_DELAYS_MS,
        "notify_retry_delays_ms": (100, 200),
        "relay_poll_seconds": 0.2,
        "log_json": False,
        # Tests file many requests from one address in seconds; those of the limits lower them.
        **UNLIMITED,
        # Every stage notice at once, as the stage tests count them; the coalescing tests
        # (tests/notifier/test_mail_per_thing.py) set a window of their own.
        "mail_coalesce_seconds": 0,
    }
    if backend == "embedded":
        template = request.getfixturevalue("sqlite_template")
        shutil.copytree(template, common["var_dir"], dirs_exist_ok=True)
        return Settings(**common)
    sink: SmtpSink = request.getfixturevalue("smtp_sink")
    return Settings(
        database_url=request.getfixturevalue("pg_url"),
        amqp_url=AMQP_URL,
        bus_prefix=request.getfixturevalue("amqp_prefix"),
        smtp_url=sink.url,
        secret_key=TEST_SECRET_KEY,
        **common,
    )


@pytest.fixture
async def system(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    async with System.start(settings, smtp_sink=sink) as running:
        yield running


@pytest.fixture
async def open_system(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[System]:
    """Open around the clock: business minutes are wall minutes, so a test aims at now."""
    policy = tmp_path / "policy.toml"
    policy.write_text(ALWAYS_OPEN)
    settings = settings.model_copy(update={"policy_file": policy})
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    async with System.start(settings, smtp_sink=sink) as running:
        yield running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the fast tier (tests/fast.py): a service's use cases on a bare SQLite unit of work ------


@pytest.fixture
def unit_service(request: pytest.FixtureRequest) -> str:
    """The service whose schema ``bare`` and ``unit`` open: the test's folder (tests/sla:
    sla); a module of another folder overrides this fixture."""
    name = request.path.parent.name
    assert name in SERVICES, f"{request.path}: override the unit_service fixture"
    return name


@pytest.fixture(scope="session")
def fast_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fast_templates")


@pytest.fixture
async def bare(
    unit_service: str, tmp_path: Path, fast_templates: Path
) -> AsyncIterator[BareService]:
    """The service's tables on a fresh SQLite file, with its outbox: no bus, no HTTP."""
    path = await migrated_copy(unit_service, tmp_path, fast_templates)
    async with BareService.open(unit_service, path) as service:
        yield service


@pytest.fixture
async def unit(bare: BareService) -> AsyncIterator[UnitOfWork]:
    """One unit of work on ``bare``, committed when the test ends; ``tests.fast.staged(unit)``
    reads what it staged."""
    async with bare.unit() as uow:
        yield uow
