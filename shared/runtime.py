"""A running service: its database, its bus, the outbox relay, its consumers and workers.

Every service's app factory builds one and enters ``running()`` in its lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry, Gauge, start_http_server
from pydantic import BaseModel, Field
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared import revocation
from shared.auth import AdminDep, load_signer
from shared.bus import Bus
from shared.bus.embedded import EmbeddedBus
from shared.bus.rabbit import RabbitBus
from shared.bus.topology import Topology
from shared.contracts.api import PROBLEM_RESPONSES
from shared.db import Database
from shared.errors import (
    NotFoundError,
    document_problem_responses,
    install_error_handlers,
    refuse_nul_text,
)
from shared.group_commit import GroupCommit
from shared.http import install_http_basics, install_security_headers, ops_router
from shared.inbox import Handlers, Inbox, by_event_type, idempotent_consumer
from shared.logging import bind_correlation_id, current_correlation_id
from shared.outbox import PURGE_BATCH, Outbox, OutboxRelay
from shared.ratelimit import RateLimiter
from shared.settings import SERVICES, Settings, load_settings
from shared.unit_of_work import UnitOfWork
from shared.wakeup import cancelled

log = structlog.get_logger(__name__)

SHUTDOWN_STEP_SECONDS = 10.0
RETENTION_SECONDS = 600.0  # how often old outbox and inbox rows are purged
RECANCEL_SECONDS = 1.0

Worker = Callable[[], Coroutine[Any, Any, None]]
# Deletes up to PURGE_BATCH rows older than a time, in the caller's transaction; how many went.
Purge = Callable[[AsyncSession, datetime], Awaitable[int]]
# Whether a credential's subject was revoked, read in the given session.
RevocationLookup = Callable[[AsyncSession, uuid.UUID], Awaitable[bool]]


def event_source(service: str) -> str:
    """The CloudEvents ``source`` of what ``service`` publishes."""
    return f"/sviftdesk/{service}"


def make_topology(settings: Settings) -> Topology:
    return Topology(
        prefix=settings.bus.bus_prefix,
        retry_delays_ms=settings.bus.retry_delays_ms,
        delivery_limit=settings.bus.delivery_limit,
    )


def make_bus(settings: Settings) -> Bus:
    topology = make_topology(settings)
    if settings.amqp_url:
        return RabbitBus(settings.amqp_url, topology, prefetch=settings.bus.prefetch)
    # One file for the whole process: `sviftdesk run` hands the same bus to every service.
    return EmbeddedBus(
        settings.var_dir / "bus.db", topology, poll_seconds=settings.bus.relay_poll_seconds
    )


@dataclass
class ServiceRuntime:
    name: str
    settings: Settings
    metadata: MetaData
    handlers: Handlers
    bus: Bus
    owns_bus: bool
    db: Database = field(init=False)
    outbox: Outbox = field(init=False)
    inbox: Inbox = field(init=False)
    workers: list[Worker] = field(default_factory=list)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Batched writers of the service's hot paths, by name (see shared.group_commit).
    group_commits: dict[str, GroupCommit[Any, Any]] = field(default_factory=dict)
    # A service's own tables with a retention, by name, purged beside the outbox and inbox:
    # each is given the time now and knows its own retention.
    purges: dict[str, Purge] = field(default_factory=dict)
    # Where revocations are read: by default the table fed by ``credential.revoked``; intake,
    # which issues the credentials, reads its own instead.
    revocation_lookup: RevocationLookup | None = None

    def __post_init__(self) -> None:
        assert self.metadata.schema is not None
        # By event type name from here on: what the bus binds, and what ops and tests read.
        self.handlers = by_event_type(self.handlers)
        self.db = Database.connect(self.settings.database_url_for(self.name), self.metadata.schema)
        self.outbox = Outbox(self.metadata.tables[f"{self.metadata.schema}.outbox"])
        self.inbox = Inbox(self.metadata.tables[f"{self.metadata.schema}.inbox"])
        self.relay = OutboxRelay(
            self.db, self.outbox, self.bus, poll_seconds=self.settings.bus.relay_poll_seconds
        )
        self.db.on_commit("outbox", self.relay.wake)
        self.signer = load_signer(self.settings)
        self.limiter = RateLimiter(
            self.settings.rate_limits, f"{self.settings.bus.bus_prefix}:{self.name}"
        )
        # Services that learn of revoked credentials by event keep them here (not intake).
        self.revoked = self.metadata.tables.get(f"{self.metadata.schema}.revoked_credential")
        self._pending = Gauge(
            "sviftdesk_outbox_pending", "Events not yet published", registry=self.registry
        )

    @classmethod
    def create(
        cls,
        name: str,
        metadata: MetaData,
        handlers: Handlers,
        settings: Settings | None,
        bus: Bus | None,
    ) -> ServiceRuntime:
        """A runtime on the given bus (shared in the all-in-one process) or one of its own."""
        settings = settings or load_settings()
        return cls(name, settings, metadata, handlers, bus or make_bus(settings), bus is None)

    @property
    def source(self) -> str:
        return event_source(self.name)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A worker's unit of work: committed once when the block ends, rolled back if it
        raises. Its events carry the correlation id in force, or a new one for this round."""
        with bind_correlation_id(current_correlation_id()) as correlation_id:
            async with self.db.transaction() as session:
                yield UnitOfWork(session, self.outbox, self.source, correlation_id)

    @asynccontextmanager
    async def reading_unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that only reads: a session outside any transaction (on SQLite,
        readers need not wait for the one writer); staging an event in it fails."""
        async with self.db.sessions() as session:
            yield UnitOfWork(
                session, self.outbox, self.source, current_correlation_id(), writable=False
            )

    async def is_revoked(self, subject: uuid.UUID) -> bool:
        """True if this token's subject was revoked: the one check every service's
        ``shared.auth`` dependencies make (they reach it through ``app.state.runtime``)."""
        if self.revocation_lookup is None and self.revoked is None:
            return False
        async with self.db.sessions() as session:
            if self.revocation_lookup is not None:
                return await self.revocation_lookup(session, subject)
            assert self.revoked is not None
            return await revocation.is_revoked(session, self.revoked, subject)

    async def check_database(self) -> None:
        await self.db.ping()

    async def check_broker(self) -> None:
        if not self.bus.connected:
            raise ConnectionError("event bus not connected")

    @property
    def metrics_port(self) -> int | None:
        """Where /metrics is served off the API port (SVIFTDESK_METRICS_PORT + the service's
        place, so the five fit in one process); None: on the API port."""
        port = self.settings.http.metrics_port
        return port + SERVICES.index(self.name) if port else None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        if self.owns_bus:
            await self.bus.start()
        if self.handlers:
            consume = idempotent_consumer(
                self.db, self.inbox, self.outbox, self.source, self.handlers
            )
            await self.bus.subscribe(self.name, list(by_event_type(self.handlers)), consume)
        tasks = [asyncio.create_task(self.relay.run(), name=f"{self.name}-relay")]
        tasks += [asyncio.create_task(work(), name=f"{self.name}-worker") for work in self.workers]
        tasks.append(asyncio.create_task(self._watch_outbox(), name=f"{self.name}-gauge"))
        tasks.append(asyncio.create_task(self._keep_tidy(), name=f"{self.name}-retention"))
        if self.metrics_port is not None:
            server, _thread = start_http_server(
                self.metrics_port, addr=self.settings.http.metrics_host, registry=self.registry
            )
        try:
            yield
        finally:
            await self._shut_down(tasks)
            if self.metrics_port is not None:
                await asyncio.to_thread(server.shutdown)
                server.server_close()

    async def _shut_down(self, tasks: list[asyncio.Task[None]]) -> None:
        # Bounded at every step: a stuck connection must not keep a stopping service alive.
        # A loop that catches Exception can lose a cancellation (a cancelled database call
        # whose clean-up raises), so a task still running a moment later is cancelled again.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_STEP_SECONDS
        stuck: set[asyncio.Task[None]] = set(tasks)
        while stuck and (left := deadline - loop.time()) > 0:
            for task in stuck:
                task.cancel()
            _, stuck = await asyncio.wait(stuck, timeout=min(RECANCEL_SECONDS, left))
        for task in stuck:
            log.warning("shutdown.task_stuck", task=task.get_name())
        steps = [self.bus.close()] if self.owns_bus else []
        steps.append(self.db.dispose())
        for step in steps:
            try:
                async with asyncio.timeout(SHUTDOWN_STEP_SECONDS):
                    await step
            except TimeoutError:
                log.warning("shutdown.step_timed_out")

    async def purge_expired(self, now: datetime | None = None) -> tuple[int, int]:
        """Delete published events past SVIFTDESK_OUTBOX_RETENTION_HOURS and processed event
        ids past SVIFTDESK_INBOX_RETENTION_DAYS, a batch per transaction; how many of each.
        Safe on several replicas at once: each batch deletes what is still there."""
        now = now or datetime.now(UTC)
        outbox_before = now - timedelta(hours=self.settings.bus.outbox_retention_hours)
        inbox_before = now - timedelta(days=self.settings.bus.inbox_retention_days)
        outbox = await self._purge(self.outbox.purge_published, outbox_before)
        inbox = await self._purge(self.inbox.purge, inbox_before)
        return outbox, inbox

    async def purge_own(self, now: datetime | None = None) -> dict[str, int]:
        """Run the service's own purges (``purges``); how many rows each deleted."""
        now = now or datetime.now(UTC)
        return {name: await self._purge(purge, now) for name, purge in self.purges.items()}

    async def _purge(self, batch: Purge, at: datetime) -> int:
        total = 0
        while True:
            async with self.db.transaction() as session:
                deleted = await batch(session, at)
            total += deleted
            if deleted < PURGE_BATCH:
                return total

    async def _keep_tidy(self) -> None:
        while True:
            try:
                outbox, inbox = await self.purge_expired()
                own = {name: n for name, n in (await self.purge_own()).items() if n}
                if outbox or inbox or own:
                    log.info("retention.purged", outbox=outbox, inbox=inbox, **own)
            except Exception:
                if cancelled():
                    raise
                log.exception("retention.failed")
            await asyncio.sleep(RETENTION_SECONDS)

    async def _watch_outbox(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                async with self.db.sessions() as session:
                    self._pending.set(await self.outbox.pending(session))
            await asyncio.sleep(15)


def build_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    body_limits: Mapping[str, int] | None = None,
    upload_limit: tuple[re.Pattern[str], int] | None = None,
) -> FastAPI:
    """The FastAPI app around a runtime: lifespan, errors, ops endpoints, middleware.

    ``body_limits``: paths whose request bodies may exceed SVIFTDESK_MAX_REQUEST_BYTES;
    ``upload_limit``: the paths (a pattern) that take multipart uploads, and their bound."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    docs = runtime.settings.http.public_docs
    app = FastAPI(
        title=title,
        description=description,
        version="1",
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_text)],
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.runtime = runtime
    app.state.registry = runtime.registry
    install_error_handlers(app)
    document_problem_responses(app)
    install_http_basics(
        app,
        service=runtime.name,
        max_request_bytes=runtime.settings.limits.max_request_bytes,
        path_limits=body_limits,
        upload_limit=upload_limit,
    )
    if runtime.settings.http.cors_origins:
        # Outside the body limit, so a 413 too tells the browser it may read the answer.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(runtime.settings.http.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    app.include_router(
        ops_router(
            runtime.registry,
            {"database": runtime.check_database, "broker": runtime.check_broker},
            metrics=not runtime.settings.http.metrics_port,
        )
    )
    app.include_router(_parked_events_router())
    install_security_headers(app)
    return app


async def get_runtime(request: Request) -> ServiceRuntime:
    # Async so that FastAPI calls it in the loop, not in a worker thread.
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def _unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    async with runtime.db.transaction() as session:
        yield UnitOfWork(session, runtime.outbox, runtime.source, current_correlation_id())


async def _reading_unit(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    async with runtime.reading_unit() as uow:
        yield uow


# A route's unit of work, committed once when the route returns and before the answer is
# sent (scope "function"), so that a failed commit is the client's error answer, not a lost
# change; rolled back if the route raises.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
# A route that only reads: a session outside any transaction; staging an event fails.
ReadUnitDep = Annotated[UnitOfWork, Depends(_reading_unit, scope="function")]


class ParkedEventOut(BaseModel):
    """An event this service's consumer gave up on after its retries (SPEC: parked events)."""

    consumer: str
    event_id: str
    type: str
    time: datetime | None = Field(description="when the event happened")
    subject: str | None
    error: str = Field(description="the last error of its consumer")


class ReplayedOut(BaseModel):
    event_id: str
    status: str = Field(description="'queued': back in the consumer's queue, retries reset")


def _parked_events_router() -> APIRouter:
    """Every service's parked events, for admins (the console's admin page), on either bus:
    what ``sviftdesk dlq list``/``replay`` do, one event at a time."""
    router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=PROBLEM_RESPONSES)

    @router.get("/parked-events", summary="Events this service's consumer parked (admins)")
    async def parked_events(runtime: RuntimeDep, _admin: AdminDep) -> list[ParkedEventOut]:
        if not runtime.handlers:  # consumes nothing, so nothing can be parked
            return []
        return [
            ParkedEventOut(
                consumer=parked.consumer,
                event_id=parked.event.id,
                type=parked.event.type,
                time=parked.event.time,
                subject=parked.event.subject,
                error=parked.error,
            )
            for parked in await runtime.bus.parked(runtime.name)
        ]

    @router.post(
        "/parked-events/{event_id}/replay",
        status_code=202,
        summary="Send one parked event back to this service's consumer (admins)",
    )
    async def replay_event(event_id: str, runtime: RuntimeDep, _admin: AdminDep) -> ReplayedOut:
        if not runtime.handlers or not await runtime.bus.replay_one(runtime.name, event_id):
            raise NotFoundError("No parked event with this id.")
        return ReplayedOut(event_id=event_id, status="queued")

    return router
