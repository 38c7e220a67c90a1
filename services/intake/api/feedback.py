"""Feedback and suggestions from anyone, without a ticket (clauses 13, 27)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.intake import customer_requests
from services.intake.api.models import INTAKE_PROBLEMS, FeedbackIn, FeedbackOut
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Leave feedback or a suggestion", responses=RATE_LIMITED)
async def leave_feedback(body: FeedbackIn, request: Request, runtime: RuntimeDep) -> FeedbackOut:
    await runtime.limiter.anonymous(request, customer=body.email, field="email")
    return await customer_requests.leave_feedback(runtime, body)
