"""Complaints under review (clause 14): a complaint is its own kind of request, reviewed by a
senior in the escalation service. Its escalations, apart from the rest of the senior queue:
take one, close it with the outcome the customer reads. Seniors only: the API says so."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api.seniors import EscalationQueue
from services.console.web import AgentDep

router = APIRouter(include_in_schema=False)

ACTIVE = ("open", "assigned")
# Those still waiting or under review, by arrival (clause 7); a closed one has left.
COMPLAINTS = EscalationQueue(
    "/complaints",
    "complaints.html.j2",
    "complaints",
    {"source": "complaint", "status": list(ACTIVE)},
)


@router.get("/complaints")
async def complaints(request: Request, agent: AgentDep) -> Response:
    return await COMPLAINTS.page(request, agent)


@router.post("/complaints/{escalation_id}/claim")
async def claim(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await COMPLAINTS.act(request, agent, escalation_id, "claim")


@router.post("/complaints/{escalation_id}/close")
async def close(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await COMPLAINTS.act(request, agent, escalation_id, "close")
