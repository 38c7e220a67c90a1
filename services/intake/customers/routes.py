"""``POST /v1/access-links``: a customer who lost the link to their request gets new ones."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.intake.customers import access_links
from services.intake.schemas import INTAKE_PROBLEMS
from shared.contracts.events import Language
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["tickets"], responses=INTAKE_PROBLEMS)


class AccessLinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the address the requests were filed from")
    language: Language = Field(default=Language.ru, description="of the mail")


class AccessLinksOut(BaseModel):
    detail: str


@router.post(
    "/access-links",
    status_code=202,
    summary="Mail new links to a customer's open requests (anyone; same answer for any address)",
    responses=RATE_LIMITED,
)
async def request_access_links(
    body: AccessLinksIn, request: Request, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> AccessLinksOut:
    """202 whether or not the address has written to us, so it tells no one who did; an
    address with requests not yet closed gets a link to each (the newest ten) by mail, each
    with a new key: the old links stop working. Rate-limited like every anonymous write, per
    client and per address."""
    await runtime.limiter.anonymous(request, customer=str(body.email), field="email")
    await access_links.request_links(uow, runtime.signer, str(body.email), body.language)
    return AccessLinksOut(
        detail="If requests were filed from this address, links to them are on their way."
    )
