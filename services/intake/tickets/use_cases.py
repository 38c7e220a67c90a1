"""Intake's use cases: plain async functions over a unit of work; routers only call these.

This module files and shows tickets and holds what the other use-case modules share: who may
see a ticket, and how a change is staged (timeline entry and event, in the caller's unit of
work). Agents' work is in ``desk``, the conversation in ``conversation``, the
customer's other requests in ``customer_requests``, issued tokens in ``credentials``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.attachments import queries as attachment_queries
from services.intake.attachments.queries import NewAttachment
from services.intake.attachments.use_cases import Upload, new_attachments
from services.intake.domain import lifecycle
from services.intake.domain.callers import Caller
from services.intake.domain.categories import categorise
from services.intake.domain.staff_tools import NEEDS_REPLY_STATUSES
from services.intake.domain.tickets import (
    INITIAL_STATUS,
    format_number,
    new_access_seed,
    parse_number,
    partner_sees_contact,
    tokens_match,
)
from services.intake.domain.timeline import TimelineKind
from services.intake.knowledge import suggest
from services.intake.mail import queries as mail_queries
from services.intake.mail.queries import MailSource
from services.intake.schemas import (
    RAW_MAIL_URL,
    AttachmentOut,
    MailSourceOut,
    MessageOut,
)
from services.intake.tickets import queries
from services.intake.tickets.queries import (
    RememberedAnswer,
    TicketChanges,
    TicketWithCustomer,
)
from services.intake.tickets.schemas import (
    CustomerOut,
    SuggestedArticleOut,
    TicketCreate,
    TicketCreatedOut,
    TicketOut,
    TicketPageOut,
    TicketQuery,
    TicketRatingOut,
    TicketSummaryOut,
    TimelineEntryOut,
)
from shared.auth import ForbiddenError, UnauthorizedError, customer_key, token_hash
from shared.contracts.api import article_path
from shared.contracts.events import (
    Actor,
    ArticleSuggestion,
    AttachmentRef,
    Category,
    Channel,
    CustomerRef,
    EventPayload,
    Language,
    PartnerRef,
    TicketCreated,
    TicketStatus,
    TicketStatusChanged,
)
from shared.errors import ConflictError, NotFoundError, UnprocessableError
from shared.group_commit import GroupCommit
from shared.logging import current_correlation_id
from shared.runtime import ServiceRuntime
from shared.unit_of_work import Staged, UnitOfWork


class TicketNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such ticket, or this token does not open it.")


class ChangedMeanwhileError(ConflictError):
    def __init__(self) -> None:
        super().__init__("The ticket changed while this request ran; read it again and retry.")


class Viewer(StrEnum):
    """Whose eyes a ticket is shown to."""

    customer = "customer"
    partner = "partner"
    staff = "staff"


async def ticket_id_of(uow: UnitOfWork, ref: str) -> str:
    """A ticket's id from its id or its number (SC-000042); anything else as it came, to be
    refused where it is parsed. A number names a ticket for those who may see it only."""
    sequence = parse_number(ref) if ref[:3].upper() == "SC-" else None
    if sequence is None:
        return ref
    found = await queries.ticket_id_by_number(uow.session, sequence)
    return ref if found is None else str(found)


def parse_ticket_id(ticket_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(ticket_id)
    except ValueError:
        raise TicketNotFoundError() from None


def viewer_of(row: TicketWithCustomer | None, caller: Caller) -> Viewer:
    """Staff see every ticket, a partner the ones it filed or was handed, a customer the one
    their token opens; to anyone else the ticket does not exist (404)."""
    if row is None:
        raise TicketNotFoundError()
    if caller.is_staff:
        return Viewer.staff
    if caller.partner_id is not None:
        if caller.partner_id in (row.partner_id, row.handed_to):
            return Viewer.partner
        raise TicketNotFoundError()
    if caller.customer_token and tokens_match(caller.customer_token, row.access_token_hash):
        return Viewer.customer
    raise TicketNotFoundError()


def require_customer(viewer: Viewer, what: str) -> None:
    if viewer is not Viewer.customer:
        raise ForbiddenError(f"Only the ticket's customer, with its access token, can {what}.")


def customer_ref(row: TicketWithCustomer) -> CustomerRef:
    return CustomerRef(
        id=row.customer_id,
        email=row.email,
        name=row.name,
        language=Language(row.language),
        is_new=row.customer_is_new,
        share_with_partners=row.share_with_partners,
        address_proven=address_proven(Channel(row.channel), row.proven_at is not None),
    )


def address_proven(channel: Channel, by_mail: bool) -> bool:
    """Whether mail about a ticket may quote its words to its address: not when the
    anonymous web form filed it, until the address has written to us itself."""
    return by_mail or channel is not Channel.web


def suggestions_out(
    runtime: ServiceRuntime, suggestions: Sequence[ArticleSuggestion]
) -> list[SuggestedArticleOut]:
    """The knowledge base's suggestions as the filing answer shows them, with their address."""
    site = runtime.settings.public.site_url.rstrip("/")
    return [
        SuggestedArticleOut(
            id=s.id,
            title=s.title,
            language=s.language,
            url=site + article_path(s.id),
            snippet=s.snippet,
        )
        for s in suggestions
    ]


async def record(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    at: datetime,
    kind: TimelineKind,
    actor: Actor,
    actor_id: uuid.UUID | None,
    *,
    public: bool,
    **detail: Any,
) -> None:
    """One timeline entry; ``public`` ones are the customer's (and the partner's) to see."""
    await queries.add_timeline(
        session,
        ticket_id=ticket_id,
        at=at,
        kind=kind,
        actor=actor,
        actor_id=actor_id,
        public=public,
        detail={key: value for key, value in detail.items() if value is not None},
    )


async def tell(
    uow: UnitOfWork,
    row: TicketWithCustomer,
    kind: TimelineKind,
    event: EventPayload,
    *,
    actor: Actor,
    actor_id: uuid.UUID | None,
    at: datetime,
    public: bool = True,
    **detail: Any,
) -> None:
    """A ticket's news, told together: its timeline entry and its event."""
    await record(uow.session, row.id, at, kind, actor, actor_id, public=public, **detail)
    await uow.stage(event, subject=row.id)


async def change_status(
    uow: UnitOfWork,
    row: TicketWithCustomer,
    target: TicketStatus,
    *,
    actor: Actor,
    actor_id: uuid.UUID | None,
    at: datetime,
    note: str | None = None,
    partner: PartnerRef | None = None,
    cause: str | None = None,
) -> None:
    """Move the ticket from the status it was read with; every move is an event (clause 6).
    ``cause``: the event type of another service's decision that made the move."""
    current = TicketStatus(row.status)
    changes: TicketChanges = {"status": target}
    if target is TicketStatus.resolved:
        changes["resolved_at"] = at
    if note is not None and actor in (Actor.agent, Actor.senior):
        changes["awaiting_reply_since"] = None  # the note is the agents' word to the customer
    if not await queries.update_ticket_if(uow.session, row.id, expected_status=current, **changes):
        raise ChangedMeanwhileError()
    await tell(
        uow,
        row,
        TimelineKind.status_changed,
        TicketStatusChanged(
            ticket_id=row.id,
            number=format_number(row.number),
            from_status=current,
            to_status=target,
            note=note,
            partner=partner,
            actor=actor,
            changed_at=at,
            customer=customer_ref(row),
            cause=cause,
        ),
        actor=actor,
        actor_id=actor_id,
        at=at,
        from_status=current,
        to_status=target,
        note=note,
        partner=partner.model_dump(mode="json") if partner else None,
    )


@dataclass(frozen=True)
class Filing:
    """One request to file, with everything decided before its transaction."""

    request: TicketCreate
    category: Category | None  # the customer's, or else what its words point to (clause 18)
    category_confidence: float | None  # how sure the words were; None for the customer's
    partner_id: uuid.UUID | None
    ticket_id: uuid.UUID
    token: str  # the customer's key, answered once, stored hashed
    access_seed: str  # what the key is made from: only this travels to the receipt
    access_key_id: str
    received_at: datetime
    attachments: list[NewAttachment]
    idempotency: tuple[str, str, str] | None  # key, scope, fingerprint
    correlation_id: str | None
    suggestions: Sequence[ArticleSuggestion] = ()
    # A complaint over the anonymous form's burst limit: filed without the category, so it
    # does not open a review of its own, and the agents are told why.
    held_complaint: bool = False


HELD_COMPLAINT_NOTE = (
    "Filed as a complaint through the web form, one of several from one client address: not "
    "sent to a senior's review on its own. Set the category to complaint to have it reviewed."
)


async def create_ticket(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    request: TicketCreate,
    *,
    idempotency_key: str | None,
    scope: str,
    partner_id: uuid.UUID | None = None,
    may_review_complaint: Callable[[], Awaitable[bool]] | None = None,
    uploads: Sequence[Upload] = (),
) -> TicketCreatedOut:
    """Register a request (clause 9) and stage ``ticket.created`` in the same transaction.

    Requests filed at the same moment share one transaction (group commit, a unit of work of
    its own per batch), and each answer waits for its commit: ``uow`` is a reading unit, for
    the idempotency key's earlier answer. A partner's ticket is of the partner channel and
    belongs to that partner; the partner does not get the customer's access token.
    ``may_review_complaint`` (anonymous filings) says whether a complaint may open its review
    by itself (clause 14): a burst of them from one client opens one.
    """
    idempotency = None
    if idempotency_key is not None:
        described = request.model_dump_json()
        if uploads:  # a JSON request's fingerprint stays what it was before uploads came
            described += repr([(u.filename, u.size) for u in uploads])
        fingerprint = hashlib.sha256(described.encode()).hexdigest()
        replay = await _replay(uow, idempotency_key, scope, fingerprint)
        if replay is not None:
            return replay
        idempotency = (idempotency_key, scope, fingerprint)
        # Not held while the batch commits: a burst of keyed filings would hold the pool.
        await uow.release()
    # Articles that may answer it (clause 16), for the response and the receipt: looked up
    # before the write, so the transaction is no longer for it.
    suggestions = await suggest(runtime, request.subject, request.body, request.customer.language)
    filing = new_filing(
        runtime,
        request,
        partner_id=partner_id,
        idempotency=idempotency,
        suggestions=suggestions,
        uploads=uploads,
    )
    held = (
        filing.category is Category.complaint
        and may_review_complaint is not None
        and not await may_review_complaint()
    )
    if held:
        filing = replace(filing, category=None, held_complaint=True)
    try:
        return await _filings(runtime).submit(filing)
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer as it did.
        if idempotency is None:
            raise
        replay = await _replay(uow, *idempotency)
        if replay is None:
            raise
        return replay


def new_filing(
    runtime: ServiceRuntime,
    request: TicketCreate,
    *,
    partner_id: uuid.UUID | None = None,
    idempotency: tuple[str, str, str] | None = None,
    suggestions: Sequence[ArticleSuggestion] = (),
    uploads: Sequence[Upload] = (),
) -> Filing:
    """Everything about a new ticket that is decided before its transaction; an oversized
    attachment is refused here, so it fails only its own request."""
    ticket_id, received_at = uuid.uuid4(), datetime.now(UTC)
    seed = new_access_seed()
    key_id, token = customer_key(runtime.signer, seed)
    guess = None if request.category else categorise(request.subject, request.body)
    return Filing(
        request=request,
        category=request.category if guess is None else guess.category,
        category_confidence=None if guess is None else guess.confidence,
        partner_id=partner_id,
        ticket_id=ticket_id,
        token=token,
        access_seed=seed,
        access_key_id=key_id,
        received_at=received_at,
        attachments=new_attachments(
            runtime,
            [*request.attachments, *uploads],
            field="attachments",
            ticket_id=ticket_id,
            message_id=None,
            at=received_at,
        ),
        idempotency=idempotency,
        correlation_id=current_correlation_id(),
        suggestions=suggestions,
    )


async def file_follow_up(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    closed: TicketWithCustomer,
    filing: Filing,
) -> TicketCreatedOut:
    """The customer wrote on a closed ticket, which is final: their words start a new ticket,
    linked to the old one both ways on the timelines, in the caller's unit of work."""
    (created,) = await file_tickets(uow, runtime, [filing])
    old_number = format_number(closed.number)
    for on, note in (
        (created.id, f"Follows up on {old_number}, which is closed."),
        (closed.id, f"The customer wrote again: {created.number}."),
    ):
        await record(
            uow.session,
            on,
            filing.received_at,
            TimelineKind.follow_up,
            Actor.customer,
            closed.customer_id,
            public=True,
            note=note,
        )
    return created


def _filings(runtime: ServiceRuntime) -> GroupCommit[Filing, TicketCreatedOut]:
    writer: GroupCommit[Filing, TicketCreatedOut] | None = runtime.group_commits.get("tickets")
    if writer is None:

        async def write(uow: UnitOfWork, filings: Sequence[Filing]) -> list[TicketCreatedOut]:
            return await file_tickets(uow, runtime, filings)

        writer = GroupCommit.of_units(runtime.db, runtime.outbox, runtime.source, write)
        runtime.group_commits["tickets"] = writer
    return writer


async def file_tickets(
    uow: UnitOfWork, runtime: ServiceRuntime, filings: Sequence[Filing]
) -> list[TicketCreatedOut]:
    """File tickets in the caller's unit of work, a few multi-row statements whatever their
    number: the web form's batches, and a mail whose record must commit with its ticket. Each
    filing's event carries its own request's correlation id (a batch serves many)."""
    session = uow.session
    customers = await queries.upsert_customers(
        session,
        [
            (f.request.customer.email.lower(), f.request.customer.name, f.request.customer.language)
            for f in filings
        ],
    )
    seen: set[str] = set()
    refs: list[CustomerRef] = []
    for f in filings:
        email = f.request.customer.email.lower()
        customer_id, just_created, by_mail = customers[email]
        # Only the first of a new customer's tickets is marked new (clause 15). Built without
        # validating again what the request's model already validated (the email, chiefly).
        refs.append(
            CustomerRef.model_construct(
                id=customer_id,
                email=email,
                name=f.request.customer.name,
                language=f.request.customer.language,
                is_new=just_created and email not in seen,
                address_proven=address_proven(_channel(f), by_mail),
            )
        )
        seen.add(email)
    # A mail from the address is the address writing to us itself.
    await queries.prove_addresses(
        session,
        [ref.id for f, ref in zip(filings, refs, strict=True) if _channel(f) is Channel.email],
        max(f.received_at for f in filings),
    )
    numbers = await queries.insert_tickets(
        session,
        [
            {
                "id": f.ticket_id,
                "customer_id": ref.id,
                "customer_is_new": ref.is_new,
                "customer_name": f.request.customer.name,
                "customer_language": f.request.customer.language,
                "channel": _channel(f),
                "category": f.category,
                "category_confidence": f.category_confidence,
                "subject": f.request.subject,
                "body": f.request.body,
                "status": INITIAL_STATUS,
                "access_token_hash": token_hash(f.token),
                "received_at": f.received_at,
                "awaiting_reply_since": f.received_at,
                "partner_id": f.partner_id,
            }
            for f, ref in zip(filings, refs, strict=True)
        ],
    )
    await attachment_queries.add(session, [row for f in filings for row in f.attachments])
    for f in filings:
        if f.held_complaint:
            await record(
                session,
                f.ticket_id,
                f.received_at,
                TimelineKind.category_set,
                Actor.system,
                None,
                public=False,
                note=HELD_COMPLAINT_NOTE,
            )
    events: list[Staged] = []
    answers: list[TicketCreatedOut] = []
    remembered: list[RememberedAnswer] = []
    for f, ref in zip(filings, refs, strict=True):
        number = format_number(numbers[f.ticket_id])
        # The customer alone holds the key (clause 19): the receipt mails it to them, and a
        # partner never sees it, neither in its answer nor in a webhook.
        token = f.token if f.partner_id is None else None
        event = TicketCreated(
            ticket_id=f.ticket_id,
            number=number,
            channel=_channel(f),
            category=f.category,
            category_confidence=f.category_confidence,
            subject=f.request.subject,
            status=INITIAL_STATUS,
            received_at=f.received_at,
            customer=ref,
            partner_id=f.partner_id,
            # Not the key itself: the notifier remakes it as it writes the receipt, so what
            # rests in the outbox, the queues and a parked delivery opens nothing.
            access_seed=f.access_seed,
            access_key_id=f.access_key_id,
            suggested_articles=list(f.suggestions),
            attachments=[
                AttachmentRef.model_validate(row, from_attributes=True) for row in f.attachments
            ],
        )
        events.append(Staged(event, f.ticket_id, f.correlation_id))
        answer = TicketCreatedOut(
            id=f.ticket_id,
            number=number,
            status=INITIAL_STATUS,
            received_at=f.received_at,
            access_token=token,
            customer_is_new=ref.is_new,
            suggested_articles=suggestions_out(runtime, f.suggestions),
        )
        answers.append(answer)
        if f.idempotency is not None:
            key, scope, fingerprint = f.idempotency
            remembered.append(
                {
                    "key": key,
                    "scope": scope,
                    "fingerprint": fingerprint,
                    "status_code": 201,
                    # Without the customer's key: it is shown once and kept only hashed (a
                    # retry gets the same ticket; the key is in the receipt mail).
                    "response": answer.model_dump(mode="json") | {"access_token": None},
                    "created_at": f.received_at,
                }
            )
    await uow.stage_many(events)
    await queries.save_idempotent_many(session, remembered)
    return answers


def _channel(filing: Filing) -> Channel:
    return Channel.partner if filing.partner_id is not None else filing.request.channel


async def _replay(
    uow: UnitOfWork, key: str, scope: str, fingerprint: str
) -> TicketCreatedOut | None:
    stored = await queries.get_idempotent(uow.session, key, scope)
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise UnprocessableError(
            "Idempotency-Key was already used with a different request body; "
            "use a new key for a new request.",
            errors=[{"field": "Idempotency-Key", "reason": "reused with a different body"}],
        )
    return TicketCreatedOut.model_validate(stored.response)


async def read_ticket(uow: UnitOfWork, ticket_id: str, caller: Caller) -> TicketOut:
    """A ticket for the bearer of its access token, staff, or the partner that filed it;
    anyone else learns nothing (404)."""
    caller.require_partner_scope("tickets:read")
    parsed = parse_ticket_id(ticket_id)
    row = await queries.get_ticket(uow.session, parsed)
    viewer = viewer_of(row, caller)
    assert row is not None
    return await ticket_view(uow.session, row, viewer)


async def list_tickets(uow: UnitOfWork, caller: Caller, query: TicketQuery) -> TicketPageOut:
    """Staff see every ticket; a partner, those it filed or was handed (``tickets:read``)."""
    if caller.principal is None:
        raise UnauthorizedError("A staff token, or a partner key with tickets:read, lists tickets.")
    caller.require_partner_scope("tickets:read")
    partner_id = caller.partner_id
    if partner_id is None and not caller.is_staff:
        raise ForbiddenError("Only staff and partners list tickets.")
    if partner_id is not None and (query.mine or query.customer is not None or query.needs_reply):
        raise ForbiddenError(
            "A partner lists the tickets it filed or was handed; mine, customer and "
            "needs_reply are staff's."
        )
    rows = await queries.list_tickets(
        uow.session,
        statuses=query.status,
        categories=query.category,
        channel=query.channel,
        claimed_by=caller.principal.subject if query.mine else None,
        partner_id=partner_id,
        customer_email=query.customer.lower() if query.customer else None,
        after_number=parse_number(query.after) if query.after else None,
        limit=query.limit + 1,  # one more tells whether another page follows
        needs_reply=NEEDS_REPLY_STATUSES if query.needs_reply else (),
    )
    page = rows[: query.limit]
    return TicketPageOut(
        items=[
            TicketSummaryOut(
                id=row.id,
                number=format_number(row.number),
                status=row.status,
                channel=row.channel,
                category=row.category,
                complexity=row.complexity,
                subject=row.subject,
                received_at=row.received_at,
                customer_is_new=row.customer_is_new,
                claimed_by=row.claimed_by,
                awaiting_reply_since=row.awaiting_reply_since if partner_id is None else None,
            )
            for row in page
        ],
        next_after=format_number(page[-1].number) if len(rows) > query.limit else None,
    )


# Timeline entries that are a message arriving (by mail, if it did).
_MAILED = frozenset({TimelineKind.message, TimelineKind.unverified_message})


def _mail_out(source: MailSource | None) -> MailSourceOut | None:
    if source is None:
        return None
    url = RAW_MAIL_URL.format(mail_id=source.id)
    return MailSourceOut(id=source.id, raw_url=url, defects=source.defects)


async def ticket_view(session: AsyncSession, row: TicketWithCustomer, viewer: Viewer) -> TicketOut:
    staff = viewer is Viewer.staff
    # Staff reach the raw mail behind the ticket and each mailed reply, and what was wrong
    # with it (the text shown is what could be read).
    sources = await mail_queries.mail_of_ticket(session, row.id) if staff else []
    by_message = {str(s.ticket_message_id): s for s in sources if s.ticket_message_id}
    filing = next(
        (s for s in sources if s.ticket_message_id is None and s.outcome == "ticket_created"),
        None,
    )
    shown = viewer is not Viewer.partner or partner_sees_contact(row.share_with_partners)
    messages = await queries.messages_of(session, row.id, internal=staff)
    files: dict[uuid.UUID | None, list[AttachmentOut]] = {}
    for file in await attachment_queries.of_ticket(session, row.id):
        files.setdefault(file.message_id, []).append(
            AttachmentOut(
                id=file.id,
                filename=file.filename,
                content_type=file.content_type,
                size=file.size,
                refused=file.refused,
            )
        )
    entries = await queries.timeline_of(session, row.id, public_only=not staff)
    ratings = await queries.ratings_of(session, row.id) if staff else []
    status = TicketStatus(row.status)
    return TicketOut(
        id=row.id,
        number=format_number(row.number),
        status=status,
        channel=row.channel,
        category=row.category,
        category_confidence=row.category_confidence if staff else None,
        subject=row.subject,
        body=row.body,
        received_at=row.received_at,
        customer=CustomerOut(
            name=row.name if shown else None,
            email=row.email if shown else None,
            language=Language(row.language),
        ),
        customer_is_new=None if viewer is Viewer.customer else row.customer_is_new,
        complexity=row.complexity,
        share_with_partners=row.share_with_partners,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        claimed_by=row.claimed_by if staff else None,
        claimed_at=row.claimed_at if staff else None,
        allowed_moves=list(lifecycle.allowed_moves(status)) if staff else [],
        attachments=files.get(None, []),
        mail=_mail_out(filing),
        messages=[
            MessageOut(
                id=m.id,
                author=m.author,
                internal=m.internal,
                first_response=m.first_response,
                unverified=m.unverified,
                body=m.body,
                created_at=m.created_at,
                attachments=files.get(m.id, []),
                mail=_mail_out(by_message.get(str(m.id))),
            )
            for m in messages
        ],
        # The first entry is the ticket's own row: filing stays one insert fewer.
        timeline=[
            TimelineEntryOut(
                at=row.received_at,
                kind=TimelineKind.created,
                actor=Actor.partner if row.partner_id else Actor.customer,
                to_status=INITIAL_STATUS,
                mail=_mail_out(filing),
            ),
            *(
                TimelineEntryOut(
                    at=e.at,
                    kind=TimelineKind(e.kind),
                    actor=Actor(e.actor),
                    **e.detail,
                    mail=_mail_out(by_message.get(e.detail.get("message_id", "")))
                    if e.kind in _MAILED
                    else None,
                )
                for e in entries
            ),
        ],
        ratings=[
            TicketRatingOut(
                id=r.id,
                score=r.score,
                comment=r.comment,
                rated_at=r.rated_at,
                resolved_at=r.resolved_at,
            )
            for r in ratings
        ],
    )
