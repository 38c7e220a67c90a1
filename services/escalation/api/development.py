"""Bugs to development (clause 12): agents forward a ticket; the tracker calls back, signed,
when the fix ships."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from services.escalation import forwarding
from services.escalation.api.models import CallbackIn, CallbackOut, ForwardIn, ForwardOut
from services.escalation.api.views import forward_out
from services.escalation.domain import development
from shared.auth import AgentDep, UnauthorizedError
from shared.contracts.api import PROBLEM_RESPONSES, Problem
from shared.errors import ProblemError
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["development"], responses=PROBLEM_RESPONSES)


class CallbackNotConfiguredError(ProblemError):
    status, title = 503, "Not configured"


@router.post(
    "/tickets/{ticket_id}/development",
    status_code=202,
    summary="Forward a bug ticket to the development tracker",
    responses={200: {"description": "the same forward again: the ticket is already with it"}},
)
async def forward(
    ticket_id: uuid.UUID, body: ForwardIn, response: Response, agent: AgentDep, uow: UnitOfWorkDep
) -> ForwardOut:
    row, created = await forwarding.request(uow, ticket_id, agent, summary=body.summary)
    if not created:
        response.status_code = 200
    return forward_out(row)


@router.get("/tickets/{ticket_id}/development", summary="A ticket's forwards and where they are")
async def forwards_of(ticket_id: uuid.UUID, _agent: AgentDep, uow: ReadUnitDep) -> list[ForwardOut]:
    return [forward_out(row) for row in await forwarding.forwards_of(uow, ticket_id)]


async def _signed_callback(request: Request, runtime: RuntimeDep) -> CallbackIn:
    """The callback's body, once its signature is checked (before any unit of work opens)."""
    secret = runtime.settings.tracker.tracker_secret
    if secret is None:
        raise CallbackNotConfiguredError("Fix callbacks need SVIFTDESK_TRACKER_SECRET to be set.")
    raw = await request.body()
    if not development.signature_valid(
        secret.get_secret_value(),
        timestamp=request.headers.get(development.TIMESTAMP_HEADER),
        signature=request.headers.get(development.SIGNATURE_HEADER),
        body=raw,
        now=time.time(),
    ):
        raise UnauthorizedError(
            f"Sign the raw body: {development.SIGNATURE_HEADER} and a current "
            f"{development.TIMESTAMP_HEADER} are required."
        )
    try:
        body = CallbackIn.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    return body


SignedCallback = Annotated[CallbackIn, Depends(_signed_callback)]


@router.post(
    "/development/callback",
    summary="The tracker's signed notice that a fix shipped",
    description=(
        f"Signed like our webhooks: `{development.SIGNATURE_HEADER}: sha256=<hex>`, the "
        f"HMAC-SHA256 with the tracker secret of `{{timestamp}}.{{raw body}}`, and "
        f"`{development.TIMESTAMP_HEADER}` (Unix seconds) within 5 minutes of our clock. "
        "A bad or missing signature gets 401 and changes nothing."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CallbackIn.model_json_schema()}},
        }
    },
    responses={
        401: {"model": Problem, "description": "bad, missing or stale signature"},
        503: {"model": Problem, "description": "SVIFTDESK_TRACKER_SECRET is not set here"},
    },
)
async def callback(body: SignedCallback, uow: UnitOfWorkDep) -> CallbackOut:
    release = await forwarding.fix_released(
        uow,
        release=body.release,
        notes=body.notes,
        forward_ids=body.forward_ids,
        references=body.references,
    )
    return CallbackOut(
        release=body.release,
        forward_ids=[row.id for row in release.forwards],
        ticket_ids=list(dict.fromkeys(row.ticket_id for row in release.forwards)),
        newly_released=release.newly_released,
    )
