"""Events the escalation service consumes, one function per event type.

Every ticket is noted (incidents and forwards refer to it); a complaint, a customer's request
and a missed target each put the ticket in the senior queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import structlog

from services.escalation import escalations, repository
from services.escalation.domain.escalations import breach_reason
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    Category,
    CustomerErased,
    EscalationSource,
    SlaBreached,
    TicketCategorySet,
    TicketCreated,
    TicketEscalationRequested,
)
from shared.inbox import EventHandler, HandlerContext

log = structlog.get_logger(__name__)


class TicketNotKnownYetError(RuntimeError):
    """The ticket's ticket.created has not reached escalation yet: retried later."""


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
    if payload.category is Category.complaint:
        await _review_complaint(
            ctx, event, payload.ticket_id, payload.number, payload.subject, payload.received_at
        )


async def on_category_set(ctx: HandlerContext, event: CloudEvent) -> None:
    """An agent found the ticket is a complaint after all: it is reviewed like any (clause 14)."""
    payload = TicketCategorySet.model_validate(event.data)
    if not await repository.set_category(ctx.session, payload.ticket_id, payload.category):
        raise TicketNotKnownYetError(f"no ticket.created yet for {payload.ticket_id}")
    if payload.category is Category.complaint:
        await _review_complaint(
            ctx, event, payload.ticket_id, payload.number, payload.subject, payload.set_at
        )


async def _review_complaint(
    ctx: HandlerContext,
    event: CloudEvent,
    ticket_id: uuid.UUID,
    number: str,
    subject: str,
    at: datetime,
) -> None:
    """Clause 14: every complaint is reviewed by a senior; its subject is the reason."""
    await escalations.open_or_add(
        ctx,
        ticket_id=ticket_id,
        number=number,
        source=EscalationSource.complaint,
        reason=subject,
        at=at,
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


async def on_customer_erased(ctx: HandlerContext, event: CloudEvent) -> None:
    """The customer's own words go (clauses 19, 24); sources, times and outcomes' existence
    stay for the reports (clause 22). Tickets never seen here are fine."""
    payload = CustomerErased.model_validate(event.data)
    blanked = await repository.erase_customer_words(ctx.session, payload.ticket_ids)
    await ctx.outbox.forget_published(ctx.session, payload.ticket_ids)
    log.info("escalation.customer_erased", tickets=len(payload.ticket_ids), reasons=blanked)


HANDLERS: Mapping[str, EventHandler] = {
    TicketCreated.event_type: on_ticket_created,
    TicketCategorySet.event_type: on_category_set,
    TicketEscalationRequested.event_type: on_escalation_requested,
    SlaBreached.event_type: on_sla_breached,
    CustomerErased.event_type: on_customer_erased,
}
