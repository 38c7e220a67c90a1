"""Incidents (clause 23), for agents: declare, link tickets, tell everyone, resolve."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.escalation import incidents
from services.escalation.api.models import (
    IncidentIn,
    IncidentOut,
    LinkedOut,
    LinkIn,
    PostedUpdateOut,
    PublicIncidentOut,
    PublicUpdateOut,
    ResolveIn,
    UpdateIn,
)
from services.escalation.api.views import incident_out
from services.escalation.domain.incidents import Status
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Declare an incident")
async def declare(body: IncidentIn, agent: AgentDep, uow: UnitOfWorkDep) -> IncidentOut:
    view = await incidents.declare(
        uow, agent, title=body.title, summary=body.summary, ticket_ids=body.ticket_ids
    )
    return incident_out(view)


@router.get("", summary="Incidents, newest first")
async def list_incidents(
    _agent: AgentDep,
    uow: ReadUnitDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[IncidentOut]:
    views = await incidents.listing(uow, status, limit=limit)
    return [incident_out(view) for view in views]


@router.get("/in-progress", summary="Incidents in progress, as customers read them (anyone)")
async def in_progress(
    uow: ReadUnitDep,
    ticket_id: Annotated[
        uuid.UUID | None, Query(description="only those this ticket is linked to")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[PublicIncidentOut]:
    """For the customers' pages (the portal's banner on a linked request, the desk status):
    the title, the summary and the newest update, which linked customers are mailed anyway;
    never who declared it nor which other tickets it holds."""
    found = await incidents.in_progress(uow, ticket_id, limit=limit)
    return [
        PublicIncidentOut(
            id=item.row.id,
            title=item.row.title,
            summary=item.row.summary,
            declared_at=item.row.declared_at,
            latest=None
            if item.latest is None
            else PublicUpdateOut(text=item.latest.text, posted_at=item.latest.posted_at),
            updates=[PublicUpdateOut(text=u.text, posted_at=u.posted_at) for u in item.updates],
        )
        for item in found
    ]


@router.get("/{incident_id}", summary="One incident: its tickets and updates")
async def read_incident(incident_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep) -> IncidentOut:
    return incident_out(await incidents.view(uow, incident_id))


@router.post("/{incident_id}/tickets", summary="Link tickets, as they arrive")
async def link_tickets(
    incident_id: uuid.UUID, body: LinkIn, _agent: AgentDep, uow: UnitOfWorkDep
) -> LinkedOut:
    view, linked = await incidents.link(uow, incident_id, body.ticket_ids)
    return LinkedOut(**incident_out(view).model_dump(), linked=linked)


@router.post(
    "/{incident_id}/updates", status_code=201, summary="Tell every linked customer at once"
)
async def post_update(
    incident_id: uuid.UUID, body: UpdateIn, agent: AgentDep, uow: UnitOfWorkDep
) -> PostedUpdateOut:
    posted = await incidents.post_update(uow, incident_id, agent, text=body.text)
    return PostedUpdateOut(
        id=posted.id,
        text=posted.text,
        posted_by=posted.posted_by,
        posted_at=posted.posted_at,
        ticket_ids=posted.ticket_ids,
    )


@router.post("/{incident_id}/resolve", summary="Resolve it, and with it every linked ticket")
async def resolve(
    incident_id: uuid.UUID, body: ResolveIn, agent: AgentDep, uow: UnitOfWorkDep
) -> IncidentOut:
    view = await incidents.resolve(uow, incident_id, agent, summary=body.summary)
    return incident_out(view)
