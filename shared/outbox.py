"""The transactional outbox: an event is written in the same transaction as the state change
that caused it, and a relay publishes it afterwards with broker confirms.

Several replicas may relay at once: on PostgreSQL each takes its rows with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus, BusUnavailableError
from shared.contracts.envelope import CloudEvent
from shared.db import Database, UtcDateTime, execute_count, insert_rows, wake_after_commit
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

# Rows deleted per statement when old events are purged: short transactions, small locks.
PURGE_BATCH = 5000
# How long the relay lets events gather after a commit wakes it: a little latency for far
# fewer database round trips under load.
COALESCE_SECONDS = 0.01


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
        Column("published_at", UtcDateTime),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=Column("published_at").is_(None),
            sqlite_where=Column("published_at").is_(None),
        ),
        Index("ix_outbox_published_at", "published_at"),
    )


class Outbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def add(self, session: AsyncSession, *events: CloudEvent) -> None:
        """Stage events in the caller's transaction; they exist only if it commits."""
        if events:
            rows = [
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "envelope": event.model_dump(mode="json"),
                }
                for event in events
            ]
            await insert_rows(session, self.table, rows)
            wake_after_commit(session, "outbox")

    async def purge_published(self, session: AsyncSession, before: datetime) -> int:
        """Delete up to PURGE_BATCH events published before ``before``; how many went."""
        expired = (
            select(self.table.c.id)
            .where(self.table.c.published_at < before)
            .limit(PURGE_BATCH)
            .scalar_subquery()
        )
        return await execute_count(session, delete(self.table).where(self.table.c.id.in_(expired)))

    async def pending(self, session: AsyncSession) -> int:
        query = select(func.count()).where(self.table.c.published_at.is_(None))
        return int((await session.execute(query)).scalar_one())


class OutboxRelay:
    """Publishes staged events in order; when the broker is away it waits and tries again."""

    def __init__(
        self, db: Database, outbox: Outbox, bus: Bus, *, poll_seconds: float, batch: int = 200
    ) -> None:
        self._db, self._outbox, self._bus = db, outbox, bus
        self._poll_seconds, self._batch = poll_seconds, batch
        self._wakeup = Wakeup()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        backoff = 0.2
        while True:
            try:
                published = await self.publish_batch()
            except BusUnavailableError as exc:
                log.warning("outbox.broker_unavailable", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception:
                if cancelled():
                    raise
                log.exception("outbox.relay_failed", retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            if published < self._batch:
                await self._wakeup.wait(self._poll_seconds)
                # Commits come in bursts: a moment's pause lets one round (a select, the
                # publishes, an update) carry many of them instead of one round each.
                await asyncio.sleep(COALESCE_SECONDS)

    async def publish_batch(self) -> int:
        """Publish up to one batch; rows are marked only once the broker confirmed them."""
        table = self._outbox.table
        async with self._db.transaction() as session:
            query = (
                select(table.c.id, table.c.envelope)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(self._batch)
            )
            if self._db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            done: list[int] = []
            try:
                for row in rows:
                    await self._bus.publish(CloudEvent.model_validate(row.envelope))
                    done.append(row.id)
            finally:
                if done:
                    await session.execute(
                        update(table)
                        .where(table.c.id.in_(done))
                        .values(published_at=datetime.now(UTC), attempts=table.c.attempts + 1)
                    )
            return len(done)
