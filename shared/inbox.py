"""The inbox: a consumer records each event id in the same transaction as the event's effect,
so an event delivered twice has its effect once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Column, Index, MetaData, String, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.db import Database, UtcDateTime, execute_count, insert_ignoring_conflicts
from shared.logging import bind_correlation_id
from shared.outbox import PURGE_BATCH, Outbox

log = structlog.get_logger(__name__)


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False, server_default=func.now()),
        Index("ix_inbox_processed_at", "processed_at"),
    )


@dataclass
class HandlerContext:
    """What an event handler works with: the open transaction and the service's outbox."""

    session: AsyncSession
    outbox: Outbox
    source: str


EventHandler = Callable[[HandlerContext, CloudEvent], Awaitable[None]]


class Inbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(self, session: AsyncSession, event: CloudEvent) -> bool:
        """Record the event as processed; False if it already was."""
        statement = insert_ignoring_conflicts(
            session, self.table, ["event_id"], event_id=event.id, event_type=event.type
        )
        return await execute_count(session, statement) == 1

    async def purge(self, session: AsyncSession, before: datetime) -> int:
        """Forget up to PURGE_BATCH events processed before ``before``; how many went."""
        expired = (
            select(self.table.c.event_id)
            .where(self.table.c.processed_at < before)
            .limit(PURGE_BATCH)
            .scalar_subquery()
        )
        statement = delete(self.table).where(self.table.c.event_id.in_(expired))
        return await execute_count(session, statement)


def idempotent_consumer(
    db: Database,
    inbox: Inbox,
    outbox: Outbox,
    source: str,
    handlers: Mapping[str, EventHandler],
) -> Callable[[CloudEvent], Awaitable[None]]:
    """Wrap a service's handlers: one transaction per event, inbox first, effect after."""

    async def consume(event: CloudEvent) -> None:
        handler = handlers.get(event.type)
        if handler is None:
            return
        with bind_correlation_id(event.correlationid):
            async with db.transaction() as session:
                if not await inbox.claim(session, event):
                    log.info("event.duplicate_skipped", event_id=event.id, type=event.type)
                    return
                await handler(HandlerContext(session, outbox, source), event)
            log.info("event.handled", event_id=event.id, type=event.type)

    return consume
