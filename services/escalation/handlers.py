"""Events the escalation service consumes, one function per event type.

Every ticket is noted (incidents and forwards refer to it); a complaint, a customer's request
and a missed target each put the ticket in the senior queue.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.escalation import escalations, repository
from services.escalation.domain.escalations import breach_reason
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    Category,
    EscalationSource,
    SlaBreached,
    TicketCreated,
    TicketEscalationRequested,
)
from shared.inbox import EventHandler, HandlerContext


async def on_ticket_created(ctx: HandlerContext, event: CloudEvent) -> None:
    payload = TicketCreated.model_validate(event.data)
    await repository.add_ticket(
        ctx.session,
        ticket_id=payload.ticket_id,
        number=payload.number,
        channel=payload.channel,
        category=payload.category,
        received_at=payload.received_at,
    )
    if payload.category is Category.complaint:  # clause 14: every complaint is reviewed
        await escalations.open_or_add(
            ctx,
            ticket_id=payload.ticket_id,
            number=payload.number,
            source=EscalationSource.complaint,
            reason=payload.subject,
            at=payload.received_at,
            event_id=event.id,
        )


async def on_escalation_requested(ctx: HandlerContext, event: CloudEvent) -> None:
    payload = TicketEscalationRequested.model_validate(event.data)
    await escalations.open_or_add(
        ctx,
        ticket_id=payload.ticket_id,
        number=payload.number,
        source=EscalationSource.customer_request,
        reason=payload.reason,
        at=payload.requested_at,
        event_id=event.id,
    )


async def on_sla_breached(ctx: HandlerContext, event: CloudEvent) -> None:
    payload = SlaBreached.model_validate(event.data)
    await escalations.open_or_add(
        ctx,
        ticket_id=payload.ticket_id,
        number=payload.number,
        source=EscalationSource.sla_breach,
        reason=breach_reason(payload.target, payload.due_at),
        at=payload.breached_at,
        event_id=event.id,
    )


HANDLERS: Mapping[str, EventHandler] = {
    TicketCreated.event_type: on_ticket_created,
    TicketEscalationRequested.event_type: on_escalation_requested,
    SlaBreached.event_type: on_sla_breached,
}
