"""Events intake consumes: what other services decided about a ticket moves it on.

An incident's resolution resolves its tickets (clause 23), a bug accepted by the development
tracker puts its ticket in development (clause 12) and its released fix brings it back to an
agent, and a resolved ticket the customer left alone closes by itself (clause 18). Each move is
a status change carrying its cause, so the customer is told once (the fix by its own notice).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import structlog

from services.intake import repository
from services.intake.domain.lifecycle import allowed_moves
from services.intake.tickets.use_cases import change_status
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    Actor,
    DevelopmentFixReleased,
    DevelopmentForwarded,
    IncidentResolved,
    SlaAutoCloseDue,
    TicketStatus,
)
from shared.inbox import EventHandler, HandlerContext
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


def make_handlers(runtime: ServiceRuntime) -> Mapping[str, EventHandler]:
    async def move(
        ctx: HandlerContext,
        event: CloudEvent,
        ticket_id: uuid.UUID,
        target: TicketStatus,
        at: datetime,
        note: str | None = None,
        only_from: TicketStatus | None = None,
    ) -> None:
        row = await repository.get_ticket(ctx.session, ticket_id)
        if row is None:
            log.warning("intake.unknown_ticket", ticket_id=str(ticket_id), to=target)
            return
        current = TicketStatus(row.status)
        if target not in allowed_moves(current) or only_from not in (None, current):
            return  # already there, or past it: the event changes nothing
        await change_status(
            runtime,
            ctx.session,
            row,
            target,
            actor=Actor.system,
            actor_id=None,
            at=at,
            note=note,
            cause=event.type,
        )

    async def on_incident_resolved(ctx: HandlerContext, event: CloudEvent) -> None:
        payload = IncidentResolved.model_validate(event.data)
        for ticket_id in payload.ticket_ids:
            await move(
                ctx, event, ticket_id, TicketStatus.resolved, payload.resolved_at, payload.summary
            )

    async def on_development_forwarded(ctx: HandlerContext, event: CloudEvent) -> None:
        payload = DevelopmentForwarded.model_validate(event.data)
        await move(ctx, event, payload.ticket_id, TicketStatus.in_development, payload.forwarded_at)

    async def on_fix_released(ctx: HandlerContext, event: CloudEvent) -> None:
        """Back to an agent, who checks the fix with the customer and resolves: a ticket an
        agent already moved on is left where it is."""
        payload = DevelopmentFixReleased.model_validate(event.data)
        for ticket_id in payload.ticket_ids:
            await move(
                ctx,
                event,
                ticket_id,
                TicketStatus.in_progress,
                payload.released_at,
                only_from=TicketStatus.in_development,
            )

    async def on_auto_close_due(ctx: HandlerContext, event: CloudEvent) -> None:
        payload = SlaAutoCloseDue.model_validate(event.data)
        row = await repository.get_ticket(ctx.session, payload.ticket_id)
        # Only the resolution the sla service measured: a reply since then reopened it.
        if row is None or row.status != TicketStatus.resolved:
            return
        if row.resolved_at is None or row.resolved_at != payload.resolved_at:
            return
        await move(ctx, event, payload.ticket_id, TicketStatus.closed, payload.due_at)

    return {
        IncidentResolved.event_type: on_incident_resolved,
        DevelopmentForwarded.event_type: on_development_forwarded,
        DevelopmentFixReleased.event_type: on_fix_released,
        SlaAutoCloseDue.event_type: on_auto_close_due,
    }
