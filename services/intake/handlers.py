"""Events intake consumes, by payload type: what other services decided about a ticket moves
it on.

An incident's resolution resolves its tickets (clause 23), a bug accepted by the development
tracker puts its ticket in development (clause 12) and its released fix brings it back to an
agent, and a resolved ticket the customer left alone closes by itself (clause 18). Each move is
a status change carrying its cause, so the customer is told once (the fix by its own notice).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from services.intake.domain.lifecycle import allowed_moves
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets.use_cases import change_status
from shared.contracts.events import (
    Actor,
    DevelopmentFixReleased,
    DevelopmentForwarded,
    EventPayload,
    IncidentResolved,
    SlaAutoCloseDue,
    TicketStatus,
)
from shared.inbox import HandlersByType
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


async def _move(
    uow: UnitOfWork,
    cause: type[EventPayload],
    ticket_id: uuid.UUID,
    target: TicketStatus,
    at: datetime,
    note: str | None = None,
    only_from: TicketStatus | None = None,
) -> None:
    row = await ticket_queries.get_ticket(uow.session, ticket_id)
    if row is None:
        log.warning("intake.unknown_ticket", ticket_id=str(ticket_id), to=target)
        return
    current = TicketStatus(row.status)
    if target not in allowed_moves(current) or only_from not in (None, current):
        return  # already there, or past it: the event changes nothing
    await change_status(
        uow,
        row,
        target,
        actor=Actor.system,
        actor_id=None,
        at=at,
        note=note,
        cause=cause.event_type,
    )


async def on_incident_resolved(uow: UnitOfWork, payload: IncidentResolved) -> None:
    for ticket_id in payload.ticket_ids:
        await _move(
            uow,
            IncidentResolved,
            ticket_id,
            TicketStatus.resolved,
            payload.resolved_at,
            payload.summary,
        )


async def on_development_forwarded(uow: UnitOfWork, payload: DevelopmentForwarded) -> None:
    await _move(
        uow,
        DevelopmentForwarded,
        payload.ticket_id,
        TicketStatus.in_development,
        payload.forwarded_at,
    )


async def on_fix_released(uow: UnitOfWork, payload: DevelopmentFixReleased) -> None:
    """Back to an agent, who checks the fix with the customer and resolves: a ticket an
    agent already moved on is left where it is."""
    for ticket_id in payload.ticket_ids:
        await _move(
            uow,
            DevelopmentFixReleased,
            ticket_id,
            TicketStatus.in_progress,
            payload.released_at,
            only_from=TicketStatus.in_development,
        )


async def on_auto_close_due(uow: UnitOfWork, payload: SlaAutoCloseDue) -> None:
    row = await ticket_queries.get_ticket(uow.session, payload.ticket_id)
    # Only the resolution the sla service measured: a reply since then reopened it.
    if row is None or row.status != TicketStatus.resolved:
        return
    if row.resolved_at is None or row.resolved_at != payload.resolved_at:
        return
    await _move(uow, SlaAutoCloseDue, payload.ticket_id, TicketStatus.closed, payload.due_at)


def make_handlers() -> HandlersByType:
    return {
        IncidentResolved: on_incident_resolved,
        DevelopmentForwarded: on_development_forwarded,
        DevelopmentFixReleased: on_fix_released,
        SlaAutoCloseDue: on_auto_close_due,
    }
