"""Canned replies (issue 16): the team's shared texts and each agent's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.intake.canned_replies import use_cases as canned_replies
from services.intake.canned_replies.schemas import (
    CannedReplyCreate,
    CannedReplyOut,
    CannedReplyUpdate,
    RenderedReplyOut,
)
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AgentDep
from shared.contracts.events import Language
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/canned-replies", tags=["canned replies"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Write a canned reply (staff; shared: seniors)")
async def create(body: CannedReplyCreate, staff: AgentDep, uow: UnitOfWorkDep) -> CannedReplyOut:
    """Personal unless ``shared``, which seniors and admins may set (403 for an agent). A
    placeholder nobody fills (a typo) is refused with 422 naming the field."""
    return await canned_replies.create(uow, body, staff)


@router.get("", summary="Canned replies: the shared ones and my own (staff)")
async def list_replies(
    staff: AgentDep,
    uow: ReadUnitDep,
    language: Language | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[CannedReplyOut]:
    return await canned_replies.list_replies(uow, staff, language=language, limit=limit)


@router.get("/{reply_id}", summary="Read a canned reply (staff)")
async def read(reply_id: str, staff: AgentDep, uow: ReadUnitDep) -> CannedReplyOut:
    return await canned_replies.read(uow, reply_id, staff)


@router.patch("/{reply_id}", summary="Change a canned reply (its owner; shared: seniors)")
async def update(
    reply_id: str, body: CannedReplyUpdate, staff: AgentDep, uow: UnitOfWorkDep
) -> CannedReplyOut:
    return await canned_replies.update(uow, reply_id, body, staff)


@router.delete(
    "/{reply_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a canned reply (its owner; shared: seniors)",
)
async def delete(reply_id: str, staff: AgentDep, uow: UnitOfWorkDep) -> Response:
    await canned_replies.delete(uow, reply_id, staff)
    return Response(status_code=204)


@router.get("/{reply_id}/render", summary="A canned reply filled in for a ticket (staff)")
async def render(
    reply_id: str,
    staff: AgentDep,
    uow: ReadUnitDep,
    ticket: Annotated[
        str, Query(min_length=1, max_length=64, description="the ticket's id or number")
    ],
) -> RenderedReplyOut:
    """``{customer_name}``, ``{ticket_number}`` and ``{ticket_subject}`` filled in from the
    ticket; ``{expected_answer_time}`` is left in place and named in ``unfilled``: the SLA
    service keeps the clocks (``GET /v1/tickets/{id}/sla`` there), so the caller fills it."""
    return await canned_replies.render(uow, reply_id, ticket, staff)
