"""The senior queue (clauses 11, 14): senior specialists only; an agent's token gets 403."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.escalation import escalations
from services.escalation.api.models import CloseIn, EscalationOut
from services.escalation.api.views import escalation_out
from services.escalation.domain.escalations import Status
from shared.auth import SeniorDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.contracts.events import EscalationSource
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/escalations", tags=["escalations"], responses=PROBLEM_RESPONSES)

ACTIVE = [Status.open, Status.assigned]


@router.get("", summary="The senior queue, strictly by arrival")
async def list_escalations(
    _senior: SeniorDep,
    uow: ReadUnitDep,
    status: Annotated[
        list[Status] | None, Query(description="repeatable; default: open and assigned")
    ] = None,
    ticket_id: Annotated[uuid.UUID | None, Query()] = None,
    source: Annotated[
        EscalationSource | None,
        Query(description="only those with a reason of this kind: complaint for complaints"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationOut]:
    views = await escalations.queue(
        uow, status or ACTIVE, ticket_id=ticket_id, limit=limit, source=source
    )
    return [escalation_out(view) for view in views]


@router.post(
    "/claim",
    summary="Claim the escalation that has waited longest",
    responses={204: {"description": "the senior queue is empty"}},
    response_model=EscalationOut,
)
async def claim_next(senior: SeniorDep, uow: UnitOfWorkDep) -> EscalationOut | Response:
    view = await escalations.claim_next(uow, senior)
    if view is None:
        return Response(status_code=204)
    return escalation_out(view)


@router.get("/{escalation_id}", summary="One escalation with every reason it was asked for")
async def read_escalation(
    escalation_id: uuid.UUID, _senior: SeniorDep, uow: ReadUnitDep
) -> EscalationOut:
    return escalation_out(await escalations.view(uow, escalation_id))


@router.post("/{escalation_id}/claim", summary="Take an escalation for review")
async def claim(escalation_id: uuid.UUID, senior: SeniorDep, uow: UnitOfWorkDep) -> EscalationOut:
    return escalation_out(await escalations.claim(uow, escalation_id, senior))


@router.post("/{escalation_id}/close", summary="Close the review with the customer's outcome")
async def close(
    escalation_id: uuid.UUID, body: CloseIn, senior: SeniorDep, uow: UnitOfWorkDep
) -> EscalationOut:
    view = await escalations.close(uow, escalation_id, senior, outcome=body.outcome)
    return escalation_out(view)
