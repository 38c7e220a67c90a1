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
    ResolveIn,
    UpdateIn,
)
from services.escalation.api.views import incident_out
from services.escalation.domain.incidents import Status
from services.escalation.unit import Unit
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Declare an incident")
async def declare(body: IncidentIn, runtime: RuntimeDep, agent: AgentDep) -> IncidentOut:
    async with runtime.db.transaction() as session:
        view = await incidents.declare(
            Unit(session, runtime.outbox, runtime.source),
            agent,
            title=body.title,
            summary=body.summary,
            ticket_ids=body.ticket_ids,
        )
    return incident_out(view)


@router.get("", summary="Incidents, newest first")
async def list_incidents(
    runtime: RuntimeDep,
    _agent: AgentDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[IncidentOut]:
    async with runtime.db.sessions() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        views = await incidents.listing(uow, status, limit=limit)
    return [incident_out(view) for view in views]


@router.get("/{incident_id}", summary="One incident: its tickets and updates")
async def read_incident(
    incident_id: uuid.UUID, runtime: RuntimeDep, _agent: AgentDep
) -> IncidentOut:
    async with runtime.db.sessions() as session:
        view = await incidents.view(Unit(session, runtime.outbox, runtime.source), incident_id)
    return incident_out(view)


@router.post("/{incident_id}/tickets", summary="Link tickets, as they arrive")
async def link_tickets(
    incident_id: uuid.UUID, body: LinkIn, runtime: RuntimeDep, _agent: AgentDep
) -> LinkedOut:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        view, linked = await incidents.link(uow, incident_id, body.ticket_ids)
    return LinkedOut(**incident_out(view).model_dump(), linked=linked)


@router.post(
    "/{incident_id}/updates", status_code=201, summary="Tell every linked customer at once"
)
async def post_update(
    incident_id: uuid.UUID, body: UpdateIn, runtime: RuntimeDep, agent: AgentDep
) -> PostedUpdateOut:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
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
    incident_id: uuid.UUID, body: ResolveIn, runtime: RuntimeDep, agent: AgentDep
) -> IncidentOut:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        view = await incidents.resolve(uow, incident_id, agent, summary=body.summary)
    return incident_out(view)
