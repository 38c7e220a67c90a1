"""The conversation on a ticket over HTTP: replies and internal notes (JSON, or
multipart/form-data with files), and accepting an unverified mail reply."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from services.intake.access import CallerDep, limit_write
from services.intake.attachments import use_cases as files_
from services.intake.conversation import use_cases as conversation
from services.intake.conversation.schemas import FollowUpOut, MessageIn
from services.intake.schemas import INTAKE_PROBLEMS, MessageOut
from services.intake.tickets.routes import FormRoute, TicketRef, form_body
from shared.auth import AgentDep
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=INTAKE_PROBLEMS)
_TEXT = {"type": "string"}


async def add_message_form(
    ticket_id: TicketRef, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> MessageOut | FollowUpOut:
    await limit_write(request, runtime, caller, customer=ticket_id, field="ticket")
    # Two units of work, neither open while the files arrive: the check before the upload
    # (a stranger's costs a lookup, not its spooling), the write once they are in.
    async with runtime.reading_unit() as uow:
        await conversation.check_writer(uow, ticket_id, caller)
    body, uploads = await files_.read_form(request, runtime, MessageIn)
    try:
        async with runtime.unit_of_work() as uow:
            return await conversation.add_message(uow, runtime, ticket_id, body, caller, uploads)
    finally:
        files_.close(uploads)


# Before its JSON twin, which would otherwise take every request of the path.
router.add_api_route(
    "/{ticket_id}/messages",
    add_message_form,
    methods=["POST"],
    status_code=201,
    include_in_schema=False,
    route_class_override=FormRoute,
)


@router.post(
    "/{ticket_id}/messages",
    status_code=201,
    summary="Reply, or add an internal note",
    responses=RATE_LIMITED,
    openapi_extra=form_body({"body": _TEXT, "internal": {"type": "boolean"}}),
)
async def add_message(
    ticket_id: TicketRef,
    body: MessageIn,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: UnitOfWorkDep,
) -> MessageOut | FollowUpOut:
    """The customer (access token), an agent, or the partner the ticket waits on (its key,
    scope ``tickets:write``). Internal notes are agents' only. A customer's reply resumes a
    ticket waiting on them and reopens a resolved one; on a closed ticket, which is final, it
    starts a new ticket linked to the old one (the answer is then a ``FollowUpOut`` with the
    new ticket's number and access token). A partner's answer resumes the ticket
    (waiting_partner → in_progress) and is for the agents only (``internal``): they relay what
    the customer needs; 409 once the ticket no longer waits on a partner. Files as for filing:
    base64 in JSON, or ``multipart/form-data`` with ``body``, ``internal`` and ``attachments``;
    an agent's public reply mails them to the customer."""
    await limit_write(request, runtime, caller, customer=ticket_id, field="ticket")
    return await conversation.add_message(uow, runtime, ticket_id, body, caller)


@router.post(
    "/{ticket_id}/messages/{message_id}/accept",
    summary="Accept an unverified mail reply as the customer's (agents)",
)
async def accept_message(
    ticket_id: TicketRef, message_id: uuid.UUID, agent: AgentDep, uow: UnitOfWorkDep
) -> MessageOut:
    """A mail from the customer's address that only its subject tied to the ticket is kept
    ``unverified``: anyone can forge a From line. Once an agent accepts it, it is the customer's
    reply and does what one does (resumes a ticket waiting on them, reopens a resolved one).
    409 if it is not waiting to be accepted, or the ticket is closed."""
    return await conversation.accept_message(uow, ticket_id, message_id, agent)
