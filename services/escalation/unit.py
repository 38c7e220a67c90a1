"""A unit of work of this service: the open transaction and the outbox its events go to.

Event handlers get one from the inbox; routers and workers build one around their transaction.
"""

from __future__ import annotations

import uuid

from shared.contracts.events import EventPayload
from shared.inbox import HandlerContext
from shared.logging import current_correlation_id

Unit = HandlerContext


async def publish(uow: Unit, payload: EventPayload, ticket_id: uuid.UUID | None = None) -> None:
    """Stage an event in the unit's transaction: it is published only if the change commits."""
    event = payload.to_event(
        source=uow.source,
        subject=str(ticket_id) if ticket_id is not None else None,
        correlation_id=current_correlation_id(),
    )
    await uow.outbox.add(uow.session, event)
