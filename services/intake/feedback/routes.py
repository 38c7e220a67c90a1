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
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=INTAKE_PROBLEMS)
ratings_router = APIRouter(prefix="/v1/ratings", tags=["feedback"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Leave feedback or a suggestion", responses=RATE_LIMITED)
async def leave_feedback(body: FeedbackIn, request: Request, runtime: RuntimeDep) -> FeedbackOut:
    """A given address gets an acknowledgement by mail (it quotes none of the text)."""
    await runtime.limiter.anonymous(request, customer=body.email, field="email")
    return await feedback.leave_feedback(runtime, body)


@router.get("", summary="Feedback and suggestions, newest first (agents)")
async def list_feedback(
    runtime: RuntimeDep,
    _agent: AgentDep,
    status: FeedbackStatus | None = None,
    kind: FeedbackKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FeedbackItemOut]:
    return await feedback.list_feedback(runtime, status=status, kind=kind, limit=limit)


@router.patch("/{feedback_id}", summary="Mark feedback read, answered or planned (agents)")
async def set_status(
    feedback_id: uuid.UUID, body: FeedbackStatusIn, runtime: RuntimeDep, _agent: AgentDep
) -> FeedbackItemOut:
    return await feedback.set_status(runtime, feedback_id, body)


@ratings_router.get("", summary="Customers' ratings with their comments, newest first (agents)")
async def list_ratings(
    runtime: RuntimeDep,
    _agent: AgentDep,
    max_score: Annotated[int, Query(ge=1, le=5, description="e.g. 3: the unhappy ones")] = 5,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RatingItemOut]:
    return await feedback.list_ratings(runtime, max_score=max_score, limit=limit)
