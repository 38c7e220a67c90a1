"""The conversation on a ticket: replies of the customer, agents and the partner the ticket
waits on, internal notes, files.

A customer's reply while we wait for them resumes the work, one after resolution reopens the
ticket, and one on a closed ticket starts a new ticket linked to it (clause 18); an agent's
first public reply is the first response (clause 2); the answer of the partner the ticket
waits on resumes the work, for the agents' eyes only. A mail reply that only its subject ties
to the ticket is kept unverified, for staff only, until an agent accepts it as the customer's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.intake.attachments import queries as attachment_queries
from services.intake.attachments.queries import NewAttachment
from services.intake.attachments.use_cases import Upload, new_attachments
from services.intake.conversation.schemas import FollowUpOut, MessageIn
from services.intake.domain import lifecycle
from services.intake.domain.callers import Caller, actor_of
from services.intake.domain.tickets import format_number
from services.intake.domain.timeline import TimelineKind
from services.intake.knowledge import suggest
from services.intake.schemas import AttachmentOut, MessageOut
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets import use_cases as tickets
from services.intake.tickets.desk import announce_assignee
from services.intake.tickets.queries import TicketWithCustomer
from services.intake.tickets.schemas import CustomerIn, TicketCreate, TicketCreatedOut
from services.intake.tickets.use_cases import (
    TicketNotFoundError,
    Viewer,
    change_status,
    customer_ref,
    parse_ticket_id,
    record,
    viewer_of,
)
from shared.auth import ForbiddenError, Principal
from shared.contracts.events import (
    Actor,
    ArticleSuggestion,
    AttachmentRef,
    Channel,
    Language,
    TicketMessageAdded,
    TicketStatus,
)
from shared.errors import ConflictError, NotFoundError
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork


async def check_writer(uow: UnitOfWork, ticket_id: str, caller: Caller) -> None:
    """404 to anyone who cannot see the ticket, before their files are read in: a stranger's
    upload costs a lookup, not 25 MiB of spooling."""
    caller.require_partner_scope("tickets:write")
    viewer_of(await ticket_queries.get_ticket(uow.session, parse_ticket_id(ticket_id)), caller)


async def add_message(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    ticket_id: str,
    request: MessageIn,
    caller: Caller,
    uploads: Sequence[Upload] = (),
) -> MessageOut | FollowUpOut:
    parsed = parse_ticket_id(ticket_id)
    caller.require_partner_scope("tickets:write")
    message_id, now = uuid.uuid4(), datetime.now(UTC)
    files = new_attachments(
        runtime,
        [*request.attachments, *uploads],
        field="attachments",
        ticket_id=parsed,
        message_id=message_id,
        at=now,
    )
    row = await ticket_queries.get_ticket(uow.session, parsed)
    viewer = viewer_of(row, caller)
    assert row is not None
    status = TicketStatus(row.status)
    first_response = False
    if viewer is Viewer.customer:
        if request.internal:
            raise ForbiddenError("Only agents write internal notes.")
        if status is TicketStatus.closed:
            return await _follow_up(uow, runtime, row, request, uploads)
        author, author_id = Actor.customer, row.customer_id
        target = lifecycle.after_customer_reply(status)
    elif viewer is Viewer.partner:
        assert caller.partner_id is not None
        if caller.partner_id != row.handed_to:
            raise ForbiddenError(
                "A partner answers on a ticket an agent handed to it (waiting_partner)."
            )
        # For the agents, who relay what the customer needs: never mailed to the customer.
        request = request.model_copy(update={"internal": True})
        author, author_id = Actor.partner, caller.partner_id
        target = lifecycle.after_partner_reply(status)
    else:
        assert caller.principal is not None
        author, author_id = actor_of(caller.principal), caller.principal.subject
        target = lifecycle.after_agent_reply(status, internal=request.internal)
        if not request.internal:
            # The one who answers takes the ticket if nobody has it yet.
            if await ticket_queries.claim_if_unclaimed(uow.session, row.id, author_id, now):
                await announce_assignee(uow, row, author_id, previous=None, by=author_id, at=now)
            first_response = await ticket_queries.mark_first_response(uow.session, row.id, now)
    said = Said(message_id, author, author_id, request.body, now, request.internal, first_response)
    await _append(uow, row, said, files, target)
    return MessageOut(
        id=message_id,
        author=author,
        internal=request.internal,
        first_response=first_response,
        body=request.body,
        created_at=now,
        attachments=[AttachmentOut.model_validate(f, from_attributes=True) for f in files],
    )


async def _follow_up(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    closed: TicketWithCustomer,
    request: MessageIn,
    uploads: Sequence[Upload],
) -> FollowUpOut:
    """The customer's message on a closed ticket becomes a new ticket of the same subject,
    with the articles that may answer it, as any new ticket has (clause 16)."""
    language = Language(closed.language)
    created = await follow_up(
        uow,
        runtime,
        closed,
        TicketCreate(
            channel=Channel.web,
            customer=CustomerIn(email=closed.email, name=closed.name, language=language),
            subject=closed.subject,
            body=request.body,
            category=closed.category,
            attachments=request.attachments,
        ),
        suggestions=await suggest(runtime, closed.subject, request.body, language),
        uploads=uploads,
    )
    # To the customer, like any anonymous filing: nothing of the address's history.
    anonymous = created.model_copy(update={"customer_is_new": None})
    return FollowUpOut(follows_up=format_number(closed.number), ticket=anonymous)


async def follow_up(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    closed: TicketWithCustomer,
    request: TicketCreate,
    *,
    suggestions: Sequence[ArticleSuggestion],
    uploads: Sequence[Upload],
) -> TicketCreatedOut:
    """The customer wrote on a closed ticket, which is final (by the web or by mail): their
    words file a new ticket, linked to the old one both ways, in the caller's unit of work."""
    filing = tickets.new_filing(runtime, request, suggestions=suggestions, uploads=uploads)
    return await tickets.file_follow_up(uow, runtime, closed, filing)


async def add_customer_reply(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    row: TicketWithCustomer,
    *,
    body: str,
    attachments: Sequence[Upload],
    at: datetime,
    verified: bool,
) -> uuid.UUID:
    """The customer's reply, in the caller's unit of work, for a caller that already knows it
    is the customer (an email from the ticket's own address, ``verified`` if it proves so). It
    moves the ticket as a web reply does: resumes one waiting on the customer, reopens a
    resolved one. Unverified, it is only kept for staff, and moves nothing."""
    target = lifecycle.after_customer_reply(TicketStatus(row.status)) if verified else None
    message_id = uuid.uuid4()
    files = new_attachments(
        runtime, attachments, field="attachments", ticket_id=row.id, message_id=message_id, at=at
    )
    said = Said(message_id, Actor.customer, row.customer_id, body, at)
    await _append(uow, row, said, files, target, unverified=not verified)
    return message_id


async def accept_message(
    uow: UnitOfWork, ticket_id: str, message_id: uuid.UUID, agent: Principal
) -> MessageOut:
    """An agent vouches for an unverified mail reply: from now on it is the customer's reply,
    with what a reply does (it resumes a ticket waiting on them, reopens a resolved one)."""
    parsed, now = parse_ticket_id(ticket_id), datetime.now(UTC)
    row = await ticket_queries.get_ticket(uow.session, parsed)
    if row is None:
        raise TicketNotFoundError()
    found = await ticket_queries.get_message(uow.session, row.id, message_id)
    if found is None:
        raise NotFoundError("No message with this id on this ticket.")
    if not found.unverified or not await ticket_queries.mark_verified(uow.session, found.id):
        raise ConflictError("This message is not waiting to be accepted: it already counts.")
    target = lifecycle.after_customer_reply(TicketStatus(row.status))
    await record(
        uow.session,
        row.id,
        now,
        TimelineKind.message_accepted,
        actor_of(agent),
        agent.subject,
        public=False,
        message_id=str(found.id),
        agent_id=str(agent.subject),
    )
    files = await attachment_queries.of_message(uow.session, row.id, found.id)
    said = Said(found.id, Actor.customer, row.customer_id, found.body, now)
    refs = [AttachmentRef.model_validate(f, from_attributes=True) for f in files]
    await _announce(uow, row, said, refs, target)
    return MessageOut(
        id=found.id,
        author=Actor.customer,
        internal=False,
        first_response=False,
        unverified=False,
        body=found.body,
        created_at=found.created_at,
        attachments=[AttachmentOut.model_validate(f, from_attributes=True) for f in files],
    )


@dataclass(frozen=True, slots=True)
class Said:
    """A message on a ticket, as its row, timeline entry and event tell it."""

    id: uuid.UUID
    author: Actor
    author_id: uuid.UUID | None
    body: str
    at: datetime
    internal: bool = False
    first_response: bool = False


async def _append(
    uow: UnitOfWork,
    row: TicketWithCustomer,
    said: Said,
    files: Sequence[NewAttachment],
    target: TicketStatus | None,
    *,
    unverified: bool = False,
) -> None:
    """The message, its files, its timeline entry and event, and the move it causes; an
    unverified one gets a staff-only entry, and no event or move until it is accepted."""
    await ticket_queries.add_message(
        uow.session,
        id=said.id,
        ticket_id=row.id,
        author=said.author,
        author_id=said.author_id,
        internal=said.internal,
        first_response=said.first_response,
        unverified=unverified,
        body=said.body,
        created_at=said.at,
    )
    await attachment_queries.add(uow.session, files)
    if unverified:
        await _entry(uow, row, said, TimelineKind.unverified_message)
        return
    refs = [AttachmentRef.model_validate(f, from_attributes=True) for f in files]
    await _announce(uow, row, said, refs, target)


async def _entry(uow: UnitOfWork, row: TicketWithCustomer, said: Said, kind: TimelineKind) -> None:
    """A message's timeline entry: the customer's to see unless it is for staff only."""
    public = kind is TimelineKind.message
    message_id = str(said.id)
    await record(
        uow.session,
        row.id,
        said.at,
        kind,
        said.author,
        said.author_id,
        public=public,
        message_id=message_id,
    )


async def _announce(
    uow: UnitOfWork,
    row: TicketWithCustomer,
    said: Said,
    files: list[AttachmentRef],
    target: TicketStatus | None,
) -> None:
    """A message's timeline entry and event (naming its files, not carrying them), the move it
    causes, and whether the customer now waits for an answer."""
    if not said.internal:
        await ticket_queries.note_public_message(
            uow.session, row.id, by_customer=said.author is Actor.customer, at=said.at
        )
    await _entry(
        uow, row, said, TimelineKind.internal_note if said.internal else TimelineKind.message
    )
    await uow.stage(
        TicketMessageAdded(
            ticket_id=row.id,
            number=format_number(row.number),
            message_id=said.id,
            author=said.author,
            internal=said.internal,
            first_response=said.first_response,
            body=said.body,
            added_at=said.at,
            customer=customer_ref(row),
            attachments=files,
        ),
        subject=row.id,
    )
    if target is not None:
        await change_status(
            uow, row, target, actor=said.author, actor_id=said.author_id, at=said.at
        )


@dataclass(frozen=True, slots=True)
class File:
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


async def read_attachment(
    uow: UnitOfWork, ticket_id: str, attachment_id: uuid.UUID, caller: Caller
) -> File:
    """A file of a ticket, for whoever may read the ticket; an internal note's only for staff.
    A refused one (a mailed part over a limit) has no bytes to give."""
    caller.require_partner_scope("tickets:read")
    parsed = parse_ticket_id(ticket_id)
    viewer = viewer_of(await ticket_queries.get_ticket(uow.session, parsed), caller)
    found = await attachment_queries.for_download(uow.session, parsed, attachment_id)
    if found is None or found.refused or (found.internal and viewer is not Viewer.staff):
        raise NotFoundError("No such attachment on this ticket.")
    return File(found.id, found.filename, found.content_type, found.size)
