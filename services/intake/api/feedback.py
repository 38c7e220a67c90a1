"""Feedback and suggestions from anyone, without a ticket (clauses 13, 27)."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake import customer_requests
from services.intake.api.models import INTAKE_PROBLEMS, FeedbackIn, FeedbackOut
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Leave feedback or a suggestion")
async def leave_feedback(body: FeedbackIn, runtime: RuntimeDep) -> FeedbackOut:
    return await customer_requests.leave_feedback(runtime, body)
