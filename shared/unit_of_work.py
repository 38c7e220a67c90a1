"""The unit of work: what a use case works on, whoever calls it.

One open session, the service's outbox, its event source and the correlation id of the
request, event or worker round that started the work. It is opened by a dependency for
routes (``shared.runtime.UnitOfWorkDep``), by the inbox for event handlers and by the runtime
for workers (``ServiceRuntime.unit_of_work``); whoever opened it commits once, at the end, or
rolls back. ``stage`` is the only way out for an event: it is published only if the unit
commits, and it always carries the unit's correlation id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.outbox import Outbox


class ReadOnlyUnitError(RuntimeError):
    """An event staged in a unit opened for reading: it would never be committed."""


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

    async def stage(self, payload: EventPayload, *, subject: uuid.UUID | str | None = None) -> None:
        """Stage ``payload`` as an event about ``subject`` (a ticket id, or None)."""
        if not self.writable:
            raise ReadOnlyUnitError(f"{payload.event_type} staged in a read-only unit of work")
        event = payload.to_event(
            source=self.source,
            subject=None if subject is None else str(subject),
            correlation_id=self.correlation_id,
        )
        await self.outbox.add(self.session, event)

    @property
    def locks_rows(self) -> bool:
        """True on PostgreSQL, whose row locks let replicas share work with SKIP LOCKED;
        SQLite has one writer at a time instead."""
        return self.session.get_bind().dialect.name == "postgresql"
