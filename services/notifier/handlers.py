"""Events the notifier consumes: one function per event type, each recording what to send.

Sending happens in the sender, after the commit, so a redelivered event never mails twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from services.notifier import repository
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import TicketCreated
from shared.db import wake_after_commit
from shared.inbox import EventHandler, HandlerContext


async def on_ticket_created(ctx: HandlerContext, event: CloudEvent) -> None:
    """The receipt confirmation with the ticket number (clause 4), onboarding for newcomers."""
    payload = TicketCreated.model_validate(event.data)
    await repository.add_delivery(
        ctx.session,
        event_id=event.id,
        event_type=event.type,
        ticket_id=payload.ticket_id,
        channel="email",
        recipient=payload.customer.email,
        template="receipt",
        language=payload.customer.language,
        context={
            "number": payload.number,
            "name": payload.customer.name,
            "subject": payload.subject,
            "is_new": payload.customer.is_new,
        },
        next_attempt_at=datetime.now(UTC),
    )
    wake_after_commit(ctx.session, "deliveries")


HANDLERS: Mapping[str, EventHandler] = {
    "ticket.created": on_ticket_created,
}
