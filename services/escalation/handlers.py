"""Events the escalation service consumes, by payload type.

Every ticket is noted (incidents and forwards refer to it); a complaint, a customer's request
and a missed target each put the ticket in the senior queue.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from services.escalation import escalations, repository
from services.escalation.domain.escalations import breach_reason
from shared.contracts.events import (
    Category,
    CustomerErased,
    EscalationSource,
    SlaBreached,
    TicketCategorySet,
    TicketCreated,
    TicketEscalationRequested,
)
from shared.inbox import HandlersByType
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class TicketNotKnownYetError(RuntimeError):
    """The ticket's ticket.created has not reached escalation yet: retried later."""


async def on_ticket_created(uow: UnitOfWork, payload: TicketCreated) -> None:
    await repository.add_ticket(
        uow.session,
        ticket_id=payload.ticket_id,
        number=payload.number,
        channel=payload.channel,
        category=payload.category,
        received_at=payload.received_at,
    )
    if payload.category is Category.complaint:
        await _review_complaint(
            uow, payload.ticket_id, payload.number, payload.subject, payload.received_at
        )


async def on_category_set(uow: UnitOfWork, payload: TicketCategorySet) -> None:
    """An agent found the ticket is a complaint after all: it is reviewed like any (clause 14)."""
    if not await repository.set_category(uow.session, payload.ticket_id, payload.category):
        raise TicketNotKnownYetError(f"no ticket.created yet for {payload.ticket_id}")
    if payload.category is Category.complaint:
        await _review_complaint(
            uow, payload.ticket_id, payload.number, payload.subject, payload.set_at
        )


async def _review_complaint(
    uow: UnitOfWork, ticket_id: uuid.UUID, number: str, subject: str, at: datetime
) -> None:
    """Clause 14: every complaint is reviewed by a senior; its subject is the reason."""
    await escalations.open_or_add(
        uow,
        ticket_id=ticket_id,
        number=number,
        source=EscalationSource.complaint,
        reason=subject,
        at=at,
        event_id=uow.event_id,
    )


async def on_escalation_requested(uow: UnitOfWork, payload: TicketEscalationRequested) -> None:
    await escalations.open_or_add(
        uow,
        ticket_id=payload.ticket_id,
        number=payload.number,
        source=EscalationSource.customer_request,
        reason=payload.reason,
        at=payload.requested_at,
        event_id=uow.event_id,
    )


async def on_sla_breached(uow: UnitOfWork, payload: SlaBreached) -> None:
    await escalations.open_or_add(
        uow,
        ticket_id=payload.ticket_id,
        number=payload.number,
        source=EscalationSource.sla_breach,
        reason=breach_reason(payload.target, payload.due_at),
        at=payload.breached_at,
        event_id=uow.event_id,
    )


async def on_customer_erased(uow: UnitOfWork, payload: CustomerErased) -> None:
    """The customer's own words go (clauses 19, 24); sources, times and outcomes' existence
    stay for the reports (clause 22). Tickets never seen here are fine."""
    blanked = await repository.erase_customer_words(uow.session, payload.ticket_ids)
    await uow.outbox.forget_published(uow.session, payload.ticket_ids)
    log.info("escalation.customer_erased", tickets=len(payload.ticket_ids), reasons=blanked)


HANDLERS: HandlersByType = {
    TicketCreated: on_ticket_created,
    TicketCategorySet: on_category_set,
    TicketEscalationRequested: on_escalation_requested,
    SlaBreached: on_sla_breached,
    CustomerErased: on_customer_erased,
}
