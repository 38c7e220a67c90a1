"""The inbox: a consumer records each event id in the same transaction as the event's effect,
so an event delivered twice has its effect once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import Column, Index, MetaData, String, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.db import Database, UtcDateTime, execute_count, insert_ignoring_conflicts
from shared.logging import bind_correlation_id
from shared.outbox import PURGE_BATCH, Outbox
from shared.unit_of_work import UnitOfWork

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


# A handler of one payload type: ``async def on_ticket_created(uow, payload: TicketCreated)``.
PayloadHandler = Callable[[UnitOfWork, Any], Awaitable[None]]
# How a service registers its handlers: ``{TicketCreated: on_ticket_created, ...}``.
HandlersByType = Mapping[type[EventPayload], PayloadHandler]

# Handlers by event type name, with the envelope to parse: the routes the runtime consumes by,
# made from the by-type form by ``by_event_type``. Every service registers by type.
HandlerContext = UnitOfWork
EventHandler = Callable[[UnitOfWork, CloudEvent], Awaitable[None]]
Handlers = HandlersByType | Mapping[str, EventHandler]


def by_event_type(handlers: Handlers) -> Mapping[str, EventHandler]:
    """Handlers keyed by the event type they consume; a payload handler is given its payload
    parsed from the envelope. Handlers already keyed by name are given back as they are."""
    if all(isinstance(key, str) for key in handlers):
        return cast(Mapping[str, EventHandler], handlers)
    typed = cast(HandlersByType, handlers)
    return {payload.event_type: _parsing(payload, handler) for payload, handler in typed.items()}


def _parsing(payload_type: type[EventPayload], handler: PayloadHandler) -> EventHandler:
    async def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        await handler(uow, payload_type.model_validate(event.data))

    return handle


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
    handlers: Handlers,
) -> Callable[[CloudEvent], Awaitable[None]]:
    """Wrap a service's handlers: one unit of work per event, inbox first, effect after; the
    events it stages carry the handled event's correlation id."""
    routes = by_event_type(handlers)

    async def consume(event: CloudEvent) -> None:
        handler = routes.get(event.type)
        if handler is None:
            return
        with bind_correlation_id(event.correlationid) as correlation_id:
            async with db.transaction() as session:
                if not await inbox.claim(session, event):
                    log.info("event.duplicate_skipped", event_id=event.id, type=event.type)
                    return
                uow = UnitOfWork(
                    session, outbox, source, correlation_id, event_id=event.id, event=event
                )
                await handler(uow, event)
            log.info("event.handled", event_id=event.id, type=event.type)

    return consume
