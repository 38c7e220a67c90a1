"""The unit of work: what a use case works on, whoever calls it.

One open session, the service's outbox, its event source and the correlation id of the
request, event or worker round that started the work. It is opened by a dependency for
routes (``shared.runtime.UnitOfWorkDep``), by the inbox for event handlers and by the runtime
for workers (``ServiceRuntime.unit_of_work``); whoever opened it commits once, at the end, or
rolls back. ``stage`` is the only way out for an event: it is published only if the unit
commits, and it carries the unit's correlation id (or, where one unit serves several requests,
as a group commit's batch does, the id of the request the event answers).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.outbox import Outbox


class ReadOnlyUnitError(RuntimeError):
    """An event staged in a unit opened for reading: it would never be committed."""


class Staged(NamedTuple):
    """An event to stage with ``UnitOfWork.stage_many``: its payload, its subject (a ticket
    id, or None) and the correlation id it carries (None: the unit's)."""

    payload: EventPayload
    subject: uuid.UUID | str | None = None
    correlation_id: str | None = None


@dataclass
class UnitOfWork:
    session: AsyncSession
    outbox: Outbox
    source: str
    correlation_id: str | None = None
    # The id of the event being handled (handlers only): a record of why something happened.
    event_id: str | None = None
    writable: bool = True
    # The envelope being handled (handlers only), for a handler that passes the event on as it
    # came, such as the notifier's partner webhooks.
    event: CloudEvent | None = None

    async def stage(
        self,
        payload: EventPayload,
        *,
        subject: uuid.UUID | str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        """Stage ``payload`` as an event about ``subject`` (a ticket id, or None).

        ``correlation_id``: only where the unit serves several requests at once (a group
        commit's batch), the id of the request this event answers; by default the unit's."""
        await self.stage_many([Staged(payload, subject, correlation_id)])

    async def stage_many(self, staged: Iterable[Staged]) -> None:
        """Stage several events in one statement: a batch's, each with its own request's
        correlation id (the filing path's one multi-row outbox insert per batch)."""
        events = []
        for payload, subject, correlation_id in staged:
            if not self.writable:
                raise ReadOnlyUnitError(f"{payload.event_type} staged in a read-only unit of work")
            events.append(
                payload.to_event(
                    source=self.source,
                    subject=None if subject is None else str(subject),
                    correlation_id=correlation_id or self.correlation_id,
                )
            )
        await self.outbox.add(self.session, *events)

    async def release(self) -> None:
        """A reading unit hands its connection back before a long wait (a group commit's):
        what it reads next, it reads afresh. A writing unit cannot, it would lose its work."""
        if self.writable:
            raise RuntimeError("only a reading unit of work lets its connection go")
        await self.session.rollback()

    @property
    def locks_rows(self) -> bool:
        """True on PostgreSQL, whose row locks let replicas share work with SKIP LOCKED;
        SQLite has one writer at a time instead."""
        return self.session.get_bind().dialect.name == "postgresql"
