"""Inbound email by HTTP, for mail providers that forward by webhook (clause 3), and the mail
that could not be read, for staff."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.exc import SQLAlchemyError

from services.intake.mail import door, inbound
from services.intake.mail.schemas import InboundMailOut, InboundOutcome, RejectedMailOut
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AgentDep, Principal, Role, require
from shared.errors import ProblemError
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep

RAW_MAIL_PATH = "/v1/inbound/email"
router = APIRouter(prefix=RAW_MAIL_PATH, tags=["inbound email"], responses=INTAKE_PROBLEMS)

RAW_TYPES = ("message/rfc822", "application/octet-stream")
MailPartnerDep = Annotated[Principal, Depends(require(Role.partner, scope="mail:write"))]


class UnsupportedMediaTypeError(ProblemError):
    status, title = 415, "Unsupported media type"


class MailTooLargeError(ProblemError):
    status, title = 413, "Message too large"


class NotStoredError(ProblemError):
    status, title = 503, "Not stored"


@router.post(
    "",
    summary="Receive one raw email (mail providers; partner key with mail:write)",
    responses=RATE_LIMITED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in RAW_TYPES},
        }
    },
)
async def receive(request: Request, runtime: RuntimeDep, partner: MailPartnerDep) -> InboundMailOut:
    """The body is the whole RFC 5322 message. It is handled as if it came by SMTP: a new
    ticket, a reply on one, or kept and ignored (automatic, a bounce, throttled, unreadable),
    and the answer says which. Sending the same message again changes nothing. A 503 means
    it was not stored: send it again later."""
    await runtime.limiter.partner(partner.subject)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in RAW_TYPES:
        raise UnsupportedMediaTypeError(
            f"Send the raw message as {' or '.join(RAW_TYPES)}.",
            errors=[{"field": "Content-Type", "reason": f"one of {', '.join(RAW_TYPES)}"}],
        )
    raw = await request.body()
    limit = runtime.settings.mail_intake.max_mail_bytes
    if len(raw) > limit:
        raise MailTooLargeError(f"The message is {len(raw)} bytes; the limit is {limit} bytes.")
    if not raw.strip():
        raise ProblemError(
            "The body is empty: send the raw message.",
            errors=[{"field": "body", "reason": "empty"}],
        )
    try:
        # Not UnitOfWorkDep: the mail's own unit commits inside this ``try`` (a failed commit
        # is a 503 the provider retries), and a race with the same message is answered from
        # a second unit.
        return await door.take(runtime, raw, envelope_sender=None, recipients=[], via="http")
    except (SQLAlchemyError, OSError):
        raise NotStoredError(
            "The message could not be stored just now; send it again later."
        ) from None


@router.get("/rejected", summary="Mail that could not be read, or was throttled (agents)")
async def rejected(
    _agent: AgentDep,
    uow: ReadUnitDep,
    limit: Annotated[int, Query(ge=1, le=500, description="newest first")] = 100,
    outcome: Annotated[
        Literal[InboundOutcome.rejected, InboundOutcome.throttled],
        Query(description="rejected (unreadable) by default; throttled: kept, not filed"),
    ] = InboundOutcome.rejected,
) -> list[RejectedMailOut]:
    """Kept whole, never dropped: read the raw message at ``/v1/inbound/email/{id}/raw``."""
    return await inbound.rejected(uow, limit=limit, outcome=outcome)


@router.get(
    "/{mail_id}/raw",
    summary="The raw bytes of a received message (agents)",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}, "description": "the message"}},
)
async def raw_message(mail_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep) -> Response:
    raw = await inbound.raw_message(uow, mail_id)
    return Response(raw, media_type="message/rfc822", headers={"X-Content-Type-Options": "nosniff"})
