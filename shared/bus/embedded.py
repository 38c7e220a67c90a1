"""The bus of the embedded default: a SQLite file (``var/bus.db``) with RabbitMQ's semantics.

Publishing inserts one row per bound consumer (the topology's bindings, as RabbitMQ's
queues), so an event waits for a consumer that is not running yet, or not any more: a stop
at any moment loses nothing. A consumer takes ready rows, and deletes each once its handler
returned (at least once: a row taken but not deleted before a stop is delivered again after
the restart, and the inbox makes that harmless). A failure sets the row aside until its next
retry delay has passed; after the last delay it is parked, where `sviftdesk dlq list/replay`
(another process, the same file) sees and replays it.

The statements are a few microseconds of local writes, run on the event loop itself: a
thread hop would cost more than they do, and with one connection per process no transaction
is ever open across an await.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from shared.bus import BusUnavailableError, EncodedEvent, Handler, ParkedEvent
from shared.bus.topology import Topology, topic_matches
from shared.contracts.envelope import CloudEvent
from shared.logging import describe_error
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visible_at REAL NOT NULL,
    parked INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS ix_delivery_ready ON delivery (consumer, parked, id);
"""


@dataclass(frozen=True, slots=True)
class _Delivery:
    id: int
    body: bytes
    attempts: int


@dataclass
class _Consumer:
    name: str
    handler: Handler
    queue: asyncio.Queue[_Delivery] = field(default_factory=asyncio.Queue)
    # Taken and not yet acknowledged or set aside: not to be taken again meanwhile.
    in_flight: set[int] = field(default_factory=set)
    wakeup: Wakeup = field(default_factory=Wakeup)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class EmbeddedBus:
    def __init__(
        self,
        path: Path,
        topology: Topology | None = None,
        *,
        concurrency: int = 8,
        poll_seconds: float = 1.0,
    ) -> None:
        self.path = path
        self.topology = topology or Topology()
        self._concurrency = concurrency
        # Another process (`sviftdesk dlq replay`) may change the file: looked at this often.
        self._poll_seconds = poll_seconds
        self._db: sqlite3.Connection | None = None
        self._consumers: dict[str, _Consumer] = {}

    @property
    def connected(self) -> bool:
        return self._db is not None

    async def start(self) -> None:
        if self._db is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: every statement here is its own transaction.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # as the services' own files: a crash loses none
        db.execute("PRAGMA busy_timeout=5000")  # only `sviftdesk dlq` shares the file
        db.executescript(SCHEMA)
        self._db = db

    async def close(self) -> None:
        for consumer in self._consumers.values():
            for task in consumer.tasks:
                task.cancel()
            for task in consumer.tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        # What was taken and not acknowledged is still in the file, for the next start.
        self._consumers.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise BusUnavailableError("the embedded bus is not started")
        return self._db

    async def publish(self, event: CloudEvent) -> None:
        await self.publish_encoded(
            EncodedEvent(event.id, event.type, event.model_dump_json().encode())
        )

    async def publish_encoded(self, event: EncodedEvent) -> None:
        # Like the topology on RabbitMQ: a bound consumer gets the event even if it is not
        # consuming yet, because its queue exists from the start.
        consumers = [
            consumer
            for consumer, event_types in self.topology.bindings.items()
            if any(topic_matches(pattern, event.type) for pattern in event_types)
        ]
        if not consumers:
            return
        now = time.time()
        db = self._conn()
        with db:  # one transaction for every consumer's copy
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO delivery (consumer, event_id, body, visible_at) VALUES (?, ?, ?, ?)",
                [(consumer, event.id, event.body, now) for consumer in consumers],
            )
        for consumer in consumers:
            if (local := self._consumers.get(consumer)) is not None:
                local.wakeup.set()

    async def subscribe(self, consumer: str, event_types: Sequence[str], handler: Handler) -> None:
        self._conn()
        state = _Consumer(consumer, handler)
        self._consumers[consumer] = state
        state.tasks.append(asyncio.create_task(self._take(state), name=f"bus-{consumer}-take"))
        for n in range(self._concurrency):
            state.tasks.append(asyncio.create_task(self._work(state), name=f"bus-{consumer}-{n}"))

    async def _take(self, consumer: _Consumer) -> None:
        """Hand ready rows to the workers, a few ahead; sleep until the next is due."""
        window = 2 * self._concurrency
        while True:
            room = window - len(consumer.in_flight)
            wait = self._poll_seconds
            if room > 0:
                try:
                    now = time.time()
                    ready = self._ready(consumer, now, room)
                    for delivery in ready:
                        consumer.in_flight.add(delivery.id)
                        consumer.queue.put_nowait(delivery)
                    if len(ready) < room and (due := self._next_due(consumer.name, now)):
                        wait = min(wait, max(due - now, 0.0))
                except sqlite3.Error:  # the file busy past busy_timeout: again at the next poll
                    log.exception("bus.take_failed", consumer=consumer.name)
            # Woken by a publish, by a worker done with a row, or when the next retry is due.
            await consumer.wakeup.wait(wait)

    def _ready(self, consumer: _Consumer, now: float, limit: int) -> list[_Delivery]:
        taken = tuple(consumer.in_flight)
        rows = self._conn().execute(
            "SELECT id, body, attempts FROM delivery "
            "WHERE consumer = ? AND parked = 0 AND visible_at <= ? "
            f"AND id NOT IN ({', '.join('?' * len(taken))}) ORDER BY id LIMIT ?",
            (consumer.name, now, *taken, limit),
        )
        return [_Delivery(*row) for row in rows]

    def _next_due(self, consumer: str, now: float) -> float | None:
        row = (
            self._conn()
            .execute(
                "SELECT min(visible_at) FROM delivery "
                "WHERE consumer = ? AND parked = 0 AND visible_at > ?",
                (consumer, now),
            )
            .fetchone()
        )
        return None if row[0] is None else float(row[0])

    async def _work(self, consumer: _Consumer) -> None:
        while True:
            delivery = await consumer.queue.get()
            try:
                await consumer.handler(CloudEvent.model_validate_json(delivery.body))
            except Exception as exc:
                if cancelled():  # stopping: not the handler's failure; delivered after restart
                    raise
                self._settle(consumer.name, delivery, exc)
            else:
                self._settle(consumer.name, delivery, None)
            finally:
                consumer.in_flight.discard(delivery.id)
                consumer.wakeup.set()

    def _settle(self, consumer: str, delivery: _Delivery, exc: Exception | None) -> None:
        """Acknowledge (``exc`` None), or set aside for a retry, or park."""
        try:
            if exc is None:
                self._conn().execute("DELETE FROM delivery WHERE id = ?", (delivery.id,))
            else:
                self._retry_or_park(consumer, delivery, exc)
        except (sqlite3.Error, BusUnavailableError):
            # The row stays as it was and is delivered again; the inbox makes that harmless.
            log.exception("bus.settle_failed", consumer=consumer)

    def _retry_or_park(self, consumer: str, delivery: _Delivery, exc: Exception) -> None:
        delays = self.topology.retry_delays_ms
        attempt = delivery.attempts + 1
        error = f"{type(exc).__name__}: {exc}"
        if attempt <= len(delays):
            log.warning(
                "event.retry", consumer=consumer, attempt=attempt, error=describe_error(exc)
            )
            visible_at = time.time() + delays[attempt - 1] / 1000
            parked = 0
        else:
            log.error(
                "event.parked", consumer=consumer, attempts=attempt, error=describe_error(exc)
            )
            visible_at, parked = time.time(), 1
        self._conn().execute(
            "UPDATE delivery SET attempts = ?, visible_at = ?, parked = ?, error = ? WHERE id = ?",
            (attempt, visible_at, parked, error, delivery.id),
        )

    async def parked(self, consumer: str) -> list[ParkedEvent]:
        rows = self._conn().execute(
            "SELECT body, error FROM delivery WHERE consumer = ? AND parked = 1 ORDER BY id",
            (consumer,),
        )
        return [
            ParkedEvent(consumer, CloudEvent.model_validate_json(body), error or "")
            for body, error in rows
        ]

    async def replay(self, consumer: str) -> int:
        replayed = self._conn().execute(
            "UPDATE delivery SET parked = 0, attempts = 0, visible_at = ?, error = NULL "
            "WHERE consumer = ? AND parked = 1",
            (time.time(), consumer),
        )
        if (local := self._consumers.get(consumer)) is not None:
            local.wakeup.set()
        return replayed.rowcount

    async def replay_one(self, consumer: str, event_id: str) -> bool:
        replayed = self._conn().execute(
            "UPDATE delivery SET parked = 0, attempts = 0, visible_at = ?, error = NULL "
            "WHERE consumer = ? AND event_id = ? AND parked = 1",
            (time.time(), consumer, event_id),
        )
        if replayed.rowcount and (local := self._consumers.get(consumer)) is not None:
            local.wakeup.set()
        return replayed.rowcount > 0
