"""A ticket's escalations and incidents, for agents: what its timeline shows beside the
conversation (forwards to development are in ``development``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.escalation import escalations, incidents
from services.escalation.api.models import EscalationOut, TicketIncidentOut
from services.escalation.api.views import escalation_out
from services.escalation.domain.incidents import Status as IncidentStatus
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import ReadUnitDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=PROBLEM_RESPONSES)


@router.get("/{ticket_id}/escalations", summary="A ticket's escalations, open or closed")
async def escalations_of(
    ticket_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep
) -> list[EscalationOut]:
    """Oldest first, each with every reason it was asked for: the agent working the ticket
    sees that it went to a senior, and how that ended (acting on it stays with seniors)."""
    return [escalation_out(view) for view in await escalations.of_ticket(uow, ticket_id)]


@router.get("/{ticket_id}/incidents", summary="The incidents a ticket is linked to")
async def incidents_of(
    ticket_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep
) -> list[TicketIncidentOut]:
    """In the order the ticket was linked to them."""
    return [
        TicketIncidentOut(
            id=link.incident.id,
            title=link.incident.title,
            status=IncidentStatus(link.incident.status),
            linked_at=link.linked_at,
            resolved_at=link.incident.resolved_at,
        )
        for link in await incidents.of_ticket(uow, ticket_id)
    ]
