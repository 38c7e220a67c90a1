"""The agents' FIFO work queue (clause 7): no priorities, first come first served."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.tickets import desk
from services.intake.tickets.schemas import QueueItemOut, TicketOut
from shared.auth import AgentDep
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/queue", tags=["queue"], responses=INTAKE_PROBLEMS)


@router.get("", summary="Unclaimed tickets, by arrival (agents)")
async def queue(
    _agent: AgentDep,
    uow: ReadUnitDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[QueueItemOut]:
    return await desk.queue(uow, limit)


@router.post(
    "/claim",
    summary="Take the oldest unclaimed ticket (agents)",
    response_model=TicketOut,
    responses={204: {"description": "The queue is empty"}},
)
async def claim(agent: AgentDep, uow: UnitOfWorkDep) -> TicketOut | Response:
    """Atomic: two agents never get the same ticket. A received ticket opens when claimed."""
    claimed = await desk.claim_next(uow, agent)
    return claimed if claimed is not None else Response(status_code=204)
