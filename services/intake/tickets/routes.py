"""Tickets: the web form and partners file them; customers, partners and agents read and work
on them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from services.intake.access import CallerDep, limit_write
from services.intake.attachments import use_cases as files_
from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.tickets import customer_requests, desk, search
from services.intake.tickets import use_cases as tickets
from services.intake.tickets.schemas import (
    AssigneeIn,
    AssigneeOut,
    CategoryIn,
    CategoryOut,
    ComplexityIn,
    ComplexityOut,
    ConsentIn,
    ConsentOut,
    EscalationIn,
    EscalationOut,
    RatingIn,
    RatingOut,
    TicketCreate,
    TicketCreatedOut,
    TicketHitOut,
    TicketOut,
    TicketPageOut,
    TicketQuery,
    TicketSearchPageOut,
    TicketSearchQuery,
    TransitionIn,
    TransitionOut,
)
from shared.auth import AgentDep
from shared.contracts.events import Channel
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=INTAKE_PROBLEMS)


# Where files may come as multipart/form-data, beside the JSON body.
UPLOAD_PATHS = re.compile(r"/v1/tickets(/[^/]+/messages)?")
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="a retry with the same key returns the same ticket",
    ),
]


class FormRoute(APIRoute):
    """The ``multipart/form-data`` twin of a JSON route: only such a request matches it (the
    JSON route's OpenAPI describes both)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        content_type = dict(scope.get("headers") or {}).get(b"content-type", b"")
        if not content_type.lower().startswith(b"multipart/form-data"):
            return Match.NONE, {}
        return match, child


def form_body(names: dict[str, Any]) -> dict[str, Any]:
    """The multipart variant of a route's request body, for its OpenAPI."""
    files = {"type": "array", "items": {"type": "string", "format": "binary"}}
    schema = {"type": "object", "properties": {**names, files_.ATTACHMENTS_FIELD: files}}
    return {"requestBody": {"content": {"multipart/form-data": {"schema": schema}}}}


async def create_ticket_form(
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
    idempotency_key: IdempotencyKey = None,
) -> TicketCreatedOut:
    body, uploads = await files_.read_form(request, runtime, TicketCreate)
    try:
        return await _create(body, request, runtime, caller, uow, idempotency_key, uploads)
    finally:
        files_.close(uploads)


# Before its JSON twin, which would otherwise take every request of the path.
router.add_api_route(
    "",
    create_ticket_form,
    methods=["POST"],
    status_code=201,
    include_in_schema=False,
    route_class_override=FormRoute,
)
_TEXT = {"type": "string"}


@router.post(
    "",
    status_code=201,
    summary="File a request",
    responses=RATE_LIMITED,
    openapi_extra=form_body(
        {
            name: _TEXT
            for name in (
                "channel",
                "customer.email",
                "customer.name",
                "customer.language",
                "subject",
                "body",
                "category",
            )
        }
    ),
)
async def create_ticket(
    body: TicketCreate,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
    idempotency_key: IdempotencyKey = None,
) -> TicketCreatedOut:
    """Anyone may file (the web form): the channel is then ``web``, whatever was sent, and
    the answer is the same whatever the address's history. A partner files with its key
    (scope ``tickets:write``): the ticket is then of the partner channel and only that partner
    reads it. Files come base64 in JSON (small ones), or as ``multipart/form-data``: the same
    fields by name (``customer.email``), files in ``attachments`` (413 naming the one over
    SVIFTDESK_MAX_ATTACHMENT_BYTES, or all over SVIFTDESK_MAX_MESSAGE_ATTACHMENTS_BYTES)."""
    return await _create(body, request, runtime, caller, uow, idempotency_key, ())


async def _create(
    body: TicketCreate,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
    idempotency_key: str | None,
    uploads: Sequence[files_.Upload],
) -> TicketCreatedOut:
    caller.require_partner_scope("tickets:write")
    await limit_write(
        request, runtime, caller, customer=body.customer.email, field="customer.email"
    )
    anonymous = caller.principal is None
    scope = "public"
    if caller.principal is not None and (caller.is_staff or caller.partner_id is not None):
        scope = f"{caller.principal.role.value}:{caller.principal.subject}"
    if anonymous:
        body = body.model_copy(update={"channel": Channel.web})
    # A reading unit: the filing itself commits in a batch with others' (group commit).
    created = await tickets.create_ticket(
        uow,
        runtime,
        body,
        idempotency_key=idempotency_key,
        scope=scope,
        partner_id=caller.partner_id,
        may_review_complaint=partial(runtime.limiter.may_review_complaint, request)
        if anonymous
        else None,
        uploads=uploads,
    )
    return created.model_copy(update={"customer_is_new": None}) if anonymous else created


async def _ticket_ref(ticket_id: str, uow: ReadUnitDep) -> str:
    """Wherever an id goes, the number people read (SC-000042) goes too. (Its reading unit
    takes a connection only for a number.)"""
    return await tickets.ticket_id_of(uow, ticket_id)


TicketRef = Annotated[str, Depends(_ticket_ref)]


@router.get("", summary="List tickets (staff: all; partners: theirs and those handed to them)")
async def list_tickets(
    query: Annotated[TicketQuery, Query()], caller: CallerDep, uow: ReadUnitDep
) -> TicketPageOut:
    """By arrival, oldest first, a page at a time. Staff filter by status, category, channel,
    their own claims (``mine``), a customer's address, or those whose customer wrote last and
    waits for an answer (``needs_reply``); a partner's key (scope
    ``tickets:read``) lists the tickets it filed or was handed (waiting_partner)."""
    return await tickets.list_tickets(uow, caller, query)


@router.get("/search", summary="Search tickets (staff)")
async def search_tickets(
    query: Annotated[TicketSearchQuery, Query()], staff: AgentDep, uow: ReadUnitDep
) -> TicketSearchPageOut:
    """Full text, Russian and English: every word of ``q`` in any of its forms, found in the
    subject, the body or any message (internal notes too); a ticket number (SC-000042) or a
    customer's address in ``q`` must match exactly. Filtered like the list, one page at a
    time (``offset``), the best match first or the newest (``order``)."""
    return await search.search(uow, query, staff)


@router.get("/{ticket_id}", summary="Read a ticket")
async def read_ticket(ticket_id: TicketRef, caller: CallerDep, uow: ReadUnitDep) -> TicketOut:
    """With the ticket's access token, a staff token, or the key of the partner that filed
    it or was handed it (``partner.partner_id`` of a move to waiting_partner; scope
    ``tickets:read``). Only staff see internal notes and the whole timeline."""
    return await tickets.read_ticket(uow, ticket_id, caller)


@router.get("/{ticket_id}/customer-tickets", summary="The same customer's other tickets (staff)")
async def customer_tickets(
    ticket_id: TicketRef,
    _staff: AgentDep,
    uow: ReadUnitDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[TicketHitOut]:
    """Newest first, this one left out: what else this customer asked us, and how it went."""
    return await search.customer_tickets(uow, ticket_id, limit=limit)


@router.post("/{ticket_id}/transitions", summary="Move the ticket (agents)")
async def transition(
    ticket_id: TicketRef, body: TransitionIn, agent: AgentDep, uow: UnitOfWorkDep
) -> TransitionOut:
    """``note`` is what the customer reads (the resolution summary when resolving, required
    then); ``partner`` is required when moving to waiting_partner, with ``partner_id`` when
    it is a registered partner (422 unless it names an active partner key): that partner is
    then told by webhook, may read the ticket and answers on it. A move the life cycle does
    not allow is a 409 naming the allowed ones."""
    return await desk.transition(uow, ticket_id, body, agent)


@router.put("/{ticket_id}/assignee", summary="Hand the ticket to someone, or back (agents)")
async def assign(
    ticket_id: TicketRef, body: AssigneeIn, agent: AgentDep, uow: UnitOfWorkDep
) -> AssigneeOut:
    """To another staff member by their credential id, or with null back to the queue, where
    its arrival gives it its place again (clause 7)."""
    return await desk.assign(uow, ticket_id, body, agent)


@router.put("/{ticket_id}/category", summary="Correct the category (agents)")
async def set_category(
    ticket_id: TicketRef, body: CategoryIn, agent: AgentDep, uow: UnitOfWorkDep
) -> CategoryOut:
    """Whether the customer chose it or intake read it from the words (clause 18); allowed
    at any stage, so the reports count the ticket right. ``complaint`` opens a senior's
    review (clause 14)."""
    return await desk.set_category(uow, ticket_id, body, agent)


@router.put("/{ticket_id}/complexity", summary="Set the complexity (agents)")
async def set_complexity(
    ticket_id: TicketRef, body: ComplexityIn, agent: AgentDep, uow: UnitOfWorkDep
) -> ComplexityOut:
    return await desk.set_complexity(uow, ticket_id, body, agent)


@router.post(
    "/{ticket_id}/escalation",
    status_code=201,
    summary="Ask for a senior's review",
    responses=RATE_LIMITED,
)
async def request_escalation(
    ticket_id: TicketRef,
    body: EscalationIn,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: UnitOfWorkDep,
) -> EscalationOut:
    await limit_write(request, runtime, caller, customer=ticket_id, field="ticket")
    return await customer_requests.request_escalation(uow, ticket_id, body, caller)


@router.post(
    "/{ticket_id}/rating", status_code=201, summary="Rate the answer, 1–5", responses=RATE_LIMITED
)
async def rate(
    ticket_id: TicketRef,
    body: RatingIn,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: UnitOfWorkDep,
) -> RatingOut:
    """The customer, once the ticket is resolved; once per resolution."""
    await limit_write(request, runtime, caller, customer=ticket_id, field="ticket")
    return await customer_requests.rate(uow, ticket_id, body, caller)


@router.put(
    "/{ticket_id}/consent",
    summary="Share my contact with partners, or stop",
    responses=RATE_LIMITED,
)
async def set_consent(
    ticket_id: TicketRef,
    body: ConsentIn,
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: UnitOfWorkDep,
) -> ConsentOut:
    """The customer's consent for partners working on this ticket to see their name and
    email (off unless turned on)."""
    await limit_write(request, runtime, caller, customer=ticket_id, field="ticket")
    return await customer_requests.set_consent(uow, ticket_id, body, caller)
