"""The senior queue (clauses 11, 14): senior specialists only; an agent's token gets 403."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.escalation import escalations
from services.escalation.api.models import CloseIn, EscalationOut
from services.escalation.api.views import escalation_out
from services.escalation.domain.escalations import Status
from services.escalation.unit import Unit
from shared.auth import SeniorDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/escalations", tags=["escalations"], responses=PROBLEM_RESPONSES)

ACTIVE = [Status.open, Status.assigned]


@router.get("", summary="The senior queue, strictly by arrival")
async def list_escalations(
    runtime: RuntimeDep,
    _senior: SeniorDep,
    status: Annotated[
        list[Status] | None, Query(description="repeatable; default: open and assigned")
    ] = None,
    ticket_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationOut]:
    async with runtime.db.sessions() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        views = await escalations.queue(uow, status or ACTIVE, ticket_id=ticket_id, limit=limit)
    return [escalation_out(view) for view in views]


@router.post(
    "/claim",
    summary="Claim the escalation that has waited longest",
    responses={204: {"description": "the senior queue is empty"}},
    response_model=EscalationOut,
)
async def claim_next(runtime: RuntimeDep, senior: SeniorDep) -> EscalationOut | Response:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        view = await escalations.claim_next(uow, senior, skip_locked=runtime.db.is_postgres)
    if view is None:
        return Response(status_code=204)
    return escalation_out(view)


@router.get("/{escalation_id}", summary="One escalation with every reason it was asked for")
async def read_escalation(
    escalation_id: uuid.UUID, runtime: RuntimeDep, _senior: SeniorDep
) -> EscalationOut:
    async with runtime.db.sessions() as session:
        view = await escalations.view(Unit(session, runtime.outbox, runtime.source), escalation_id)
    return escalation_out(view)


@router.post("/{escalation_id}/claim", summary="Take an escalation for review")
async def claim(escalation_id: uuid.UUID, runtime: RuntimeDep, senior: SeniorDep) -> EscalationOut:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        view = await escalations.claim(
            uow, escalation_id, senior, skip_locked=runtime.db.is_postgres
        )
    return escalation_out(view)


@router.post("/{escalation_id}/close", summary="Close the review with the customer's outcome")
async def close(
    escalation_id: uuid.UUID, body: CloseIn, runtime: RuntimeDep, senior: SeniorDep
) -> EscalationOut:
    async with runtime.db.transaction() as session:
        uow = Unit(session, runtime.outbox, runtime.source)
        view = await escalations.close(uow, escalation_id, senior, outcome=body.outcome)
    return escalation_out(view)
