"""The transactional outbox: an event is written in the same transaction as the state change
that caused it, and a relay publishes it afterwards with broker confirms.

Several replicas may relay at once: on PostgreSQL each takes its rows with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
    Text,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus, BusUnavailableError, EncodedEvent
from shared.contracts.envelope import CloudEvent
from shared.db import (
    Database,
    JsonText,
    UtcDateTime,
    execute_count,
    fetch_raw,
    insert_rows,
    wake_after_commit,
)
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
                    "envelope": JsonText(event.model_dump_json()),
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

    async def forget_published(self, session: AsyncSession, ticket_ids: Sequence[uuid.UUID]) -> int:
        """Delete the published events that mention these tickets, before their retention
        ends: a customer's erasure (clauses 19, 24) reaches the copies kept here too."""
        if not ticket_ids:
            return 0
        mentions = (cast(self.table.c.envelope, Text).like(f"%{tid}%") for tid in ticket_ids)
        statement = delete(self.table).where(self.table.c.published_at.is_not(None), or_(*mentions))
        return await execute_count(session, statement)

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
        """Publish up to one batch; rows are marked only once the broker confirmed them.

        The batch is published at once, its confirms awaited together: the broker confirms
        many in one frame. Events go out as stored, without being parsed again."""
        if self._db.is_postgres:
            # The rows stay locked until marked, so that other replicas' relays skip them.
            async with self._db.transaction() as session:
                done = await self._publish(await self._take(session))
                if done:
                    await self._mark_published(session, done)
            return len(done)
        # SQLite: one relay per file, so nothing is held while the broker confirms; the
        # database's one writer is needed only to mark what was published.
        async with self._db.sessions() as session:
            rows = await self._take(session)
        done = await self._publish(rows)
        if done:
            async with self._db.transaction() as session:
                await self._mark_published(session, done)
        return len(done)

    async def _publish(self, rows: Sequence[Any]) -> list[int]:
        """Publish the rows at once; the ids of those the broker took."""
        outcomes = await asyncio.gather(
            *(
                self._bus.publish_encoded(EncodedEvent(event_id, event_type, envelope.encode()))
                for _, event_id, event_type, envelope in rows
            ),
            return_exceptions=True,
        )
        done = [row[0] for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures and not done:
            raise failures[0]
        if failures:  # the rest wait for the next round
            log.warning("outbox.partly_published", failed=len(failures), error=str(failures[0]))
        return done

    async def _take(self, session: AsyncSession) -> Sequence[Any]:
        """The oldest unpublished events: (id, event id, type, envelope as JSON text)."""
        table = self._outbox.table
        if self._db.is_postgres:
            # Raw, as the relay runs once per burst of commits. SKIP LOCKED: other replicas'
            # relays take other rows.
            return await fetch_raw(
                session,
                f"SELECT id, event_id, event_type, envelope::text FROM {table.fullname} "
                "WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch,
            )
        query = (
            select(table.c.id, table.c.event_id, table.c.event_type, cast(table.c.envelope, Text))
            .where(table.c.published_at.is_(None))
            .order_by(table.c.id)
            .limit(self._batch)
        )
        return (await session.execute(query)).all()

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        table = self._outbox.table
        if self._db.is_postgres:
            await fetch_raw(
                session,
                f"UPDATE {table.fullname} SET published_at = now(), attempts = attempts + 1 "
                "WHERE id = ANY($1::bigint[])",
                ids,
            )
            return
        await session.execute(
            update(table)
            .where(table.c.id.in_(ids))
            .values(published_at=datetime.now(UTC), attempts=table.c.attempts + 1)
        )
