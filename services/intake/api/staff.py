"""Staff sign-in to the agent console: a one-time link by mail (the console asks for it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.intake import staff_sign_in
from services.intake.api.models import INTAKE_PROBLEMS
from shared.contracts.events import Language
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/staff", tags=["staff"], responses=INTAKE_PROBLEMS)


class SignInLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the staff member's work address")
    language: Language = Field(default=Language.ru, description="of the mail")


class SignInLinkOut(BaseModel):
    detail: str = Field(description="the same for every address")


@router.post(
    "/sign-in-links",
    status_code=202,
    summary="Mail a one-time console sign-in link (anyone; same answer for any address)",
    responses=RATE_LIMITED,
)
async def request_sign_in_link(
    body: SignInLinkIn, request: Request, runtime: RuntimeDep
) -> SignInLinkOut:
    """202 whether or not the address is a staff member's, so it tells no one who works here;
    an active staff token's address gets the link (SVIFTDESK_CONSOLE_LINK_MINUTES, once)."""
    await runtime.limiter.anonymous(request, customer=str(body.email), field="email")
    await staff_sign_in.request_link(runtime, str(body.email), body.language)
    return SignInLinkOut(
        detail="If this is a staff member's address, a sign-in link is on its way."
    )
