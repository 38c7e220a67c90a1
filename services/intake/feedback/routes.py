"""Feedback and suggestions from anyone, without a ticket (clauses 13, 27); staff read them
and mark their progress."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.intake.feedback import use_cases as feedback
from services.intake.feedback.schemas import (
    FeedbackIn,
    FeedbackItemOut,
    FeedbackOut,
    FeedbackStatusIn,
)
from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.tickets.schemas import RatingItemOut
from shared.auth import AgentDep
from shared.contracts.events import FeedbackKind, FeedbackStatus
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=INTAKE_PROBLEMS)
ratings_router = APIRouter(prefix="/v1/ratings", tags=["feedback"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Leave feedback or a suggestion", responses=RATE_LIMITED)
async def leave_feedback(
    body: FeedbackIn, request: Request, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> FeedbackOut:
    """A given address gets an acknowledgement by mail (it quotes none of the text)."""
    await runtime.limiter.anonymous(request, customer=body.email, field="email")
    return await feedback.leave_feedback(uow, body)


@router.get("", summary="Feedback and suggestions, newest first (agents)")
async def list_feedback(
    _agent: AgentDep,
    uow: ReadUnitDep,
    status: FeedbackStatus | None = None,
    kind: FeedbackKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FeedbackItemOut]:
    return await feedback.list_feedback(uow, status=status, kind=kind, limit=limit)


@router.patch("/{feedback_id}", summary="Mark feedback read, answered or planned (agents)")
async def set_status(
    feedback_id: uuid.UUID, body: FeedbackStatusIn, _agent: AgentDep, uow: UnitOfWorkDep
) -> FeedbackItemOut:
    return await feedback.set_status(uow, feedback_id, body)


@ratings_router.get("", summary="Customers' ratings with their comments, newest first (agents)")
async def list_ratings(
    _agent: AgentDep,
    uow: ReadUnitDep,
    max_score: Annotated[int, Query(ge=1, le=5, description="e.g. 3: the unhappy ones")] = 5,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RatingItemOut]:
    return await feedback.list_ratings(uow, max_score=max_score, limit=limit)
