"""What the escalation service knows of one ticket, for the ticket's timeline: its
escalations, its forwards to development and the incidents it is linked to, in one read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.escalation import escalations, forwarding, incidents
from services.escalation.api.models import TicketActivityOut, TicketIncidentOut
from services.escalation.api.views import escalation_out, forward_out
from services.escalation.domain.incidents import Status as IncidentStatus
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import ReadUnitDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{ticket_id}/activity",
    summary="A ticket's escalations, forwards to development and incidents (agents)",
)
async def activity(ticket_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep) -> TicketActivityOut:
    """Each oldest first. The agent working the ticket sees that it went to a senior and how
    that ended (acting on escalations stays with seniors). One read rather than three: the
    ticket page asks for it every time it is shown. An unknown ticket has none of them."""
    return TicketActivityOut(
        escalations=[escalation_out(view) for view in await escalations.of_ticket(uow, ticket_id)],
        forwards=[forward_out(row) for row in await forwarding.forwards_of(uow, ticket_id)],
        incidents=[
            TicketIncidentOut(
                id=link.incident.id,
                title=link.incident.title,
                status=IncidentStatus(link.incident.status),
                linked_at=link.linked_at,
                resolved_at=link.incident.resolved_at,
            )
            for link in await incidents.of_ticket(uow, ticket_id)
        ],
    )
