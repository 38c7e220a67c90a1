"""Queries: tickets, their messages, attachments, timeline and ratings, the queue, ticket search
and idempotency keys (the features that only read a ticket use these too).

They take typed arguments and return frozen records whose attributes are the columns' names
(``TicketRecord``, ``MessageRecord``...), built straight from the row's mapping: no second
query, no validation."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import (
    Row,
    Select,
    delete,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.staff_tools import fts5_prefix, tsquery_prefix
from services.intake.tables import (
    customer,
    idempotency_key,
    message,
    message_search_vector,
    message_text,
    rating,
    ticket,
    ticket_search_vector,
    ticket_text,
    timeline,
)
from shared.contracts.events import Actor, Category, Channel, Complexity, TicketStatus
from shared.db import execute_count, insert_rows
from shared.outbox import PURGE_BATCH


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket's own row (the queue, staff's list)."""

    number: int
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_is_new: bool
    customer_name: str | None
    customer_language: str | None
    channel: Channel
    category: Category | None
    category_confidence: float | None
    subject: str
    body: str
    status: TicketStatus
    access_token_hash: str
    received_at: datetime
    complexity: Complexity | None
    share_with_partners: bool
    partner_id: uuid.UUID | None
    handed_to: uuid.UUID | None
    claimed_by: uuid.UUID | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    awaiting_reply_since: datetime | None


def _ticket_values(row: Row[*tuple[Any, ...]]) -> dict[str, Any]:
    """A ticket row's values, its enumerated columns as their enums."""
    values = dict(row._mapping)
    values["channel"] = Channel(values["channel"])
    values["status"] = TicketStatus(values["status"])
    if values["category"] is not None:
        values["category"] = Category(values["category"])
    if values["complexity"] is not None:
        values["complexity"] = Complexity(values["complexity"])
    return values


@dataclass(frozen=True, slots=True)
class TicketWithCustomer(TicketRecord):
    """A ticket with its customer as its readers and its mail see them (``TICKET_CUSTOMER``):
    what ``get_ticket`` gives."""

    email: str
    name: str
    language: str
    proven_at: datetime | None


class TicketChanges(TypedDict, total=False):
    """The columns a change to a ticket may set (``set_ticket``, ``update_ticket_if``)."""

    customer_name: str | None
    customer_language: str | None
    category: str | None
    category_confidence: float | None
    status: str
    access_token_hash: str
    received_at: datetime
    complexity: str | None
    share_with_partners: bool
    handed_to: uuid.UUID | None
    claimed_by: uuid.UUID | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    awaiting_reply_since: datetime | None


class NewTicket(TypedDict):
    """A ticket's row as filing inserts it (its number comes from the database)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    customer_is_new: bool
    customer_name: str
    customer_language: str
    channel: str
    category: str | None
    category_confidence: float | None
    subject: str
    body: str
    status: str
    access_token_hash: str
    received_at: datetime
    awaiting_reply_since: datetime
    partner_id: uuid.UUID | None


class RememberedAnswer(TypedDict):
    """An idempotency key's answer, kept for a retry."""

    key: str
    scope: str
    fingerprint: str
    status_code: int
    response: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: uuid.UUID
    ticket_id: uuid.UUID
    author: Actor
    author_id: uuid.UUID | None
    internal: bool
    first_response: bool
    unverified: bool
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TimelineRecord:
    id: int
    ticket_id: uuid.UUID
    at: datetime
    kind: str
    actor: str
    actor_id: uuid.UUID | None
    public: bool
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RatingRecord:
    id: uuid.UUID
    ticket_id: uuid.UUID
    resolved_at: datetime
    score: int
    comment: str | None
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key: str
    scope: str
    fingerprint: str
    status_code: int
    response: dict[str, Any]
    created_at: datetime


async def upsert_customers(
    session: AsyncSession, people: Sequence[tuple[str, str, str]]
) -> dict[str, tuple[uuid.UUID, bool, bool]]:
    """Each (email, name, language)'s customer id, creating customers on first contact; True
    for the ones this call created; and whether the address has written to us itself."""
    fresh = {email: (name, language) for email, name, language in people}
    rows = [
        {"id": uuid.uuid4(), "email": email, "name": name, "language": language}
        for email, (name, language) in fresh.items()
    ]
    created = await insert_rows(
        session, customer, rows, returning=("id", "email"), skip_conflicts_on=("email",)
    )
    found = {row.email: (row.id, True, False) for row in created}
    missing = [email for email in fresh if email not in found]
    if missing:
        existing = await session.execute(
            select(customer.c.id, customer.c.email, customer.c.proven_at).where(
                customer.c.email.in_(missing)
            )
        )
        found.update((row.email, (row.id, False, row.proven_at is not None)) for row in existing)
    return found


async def prove_addresses(
    session: AsyncSession, customer_ids: Sequence[uuid.UUID], at: datetime
) -> None:
    """These customers' addresses wrote to us themselves (by mail)."""
    if customer_ids:
        await session.execute(
            update(customer)
            .where(customer.c.id.in_(customer_ids), customer.c.proven_at.is_(None))
            .values(proven_at=at)
        )


async def insert_tickets(session: AsyncSession, rows: Sequence[NewTicket]) -> dict[uuid.UUID, int]:
    """Insert tickets; returns each one's sequence number by id."""
    inserted = await insert_rows(session, ticket, rows, returning=("id", "number"))
    return {row.id: int(row.number) for row in inserted}


# A ticket's customer as its readers and its mail see them: the name and language it was
# filed with.
TICKET_CUSTOMER = (
    customer.c.email,
    func.coalesce(ticket.c.customer_name, customer.c.name).label("name"),
    func.coalesce(ticket.c.customer_language, customer.c.language).label("language"),
    customer.c.proven_at,
)


async def ticket_id_by_number(session: AsyncSession, sequence: int) -> uuid.UUID | None:
    found = await session.scalar(select(ticket.c.id).where(ticket.c.number == sequence))
    return found if isinstance(found, uuid.UUID) else None


def ticket_with_customer(row: Row[*tuple[Any, ...]] | None) -> TicketWithCustomer | None:
    """The record of a row of ``select(ticket, *TICKET_CUSTOMER)``."""
    return None if row is None else TicketWithCustomer(**_ticket_values(row))


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> TicketWithCustomer | None:
    query = (
        select(ticket, *TICKET_CUSTOMER)
        .join(customer, customer.c.id == ticket.c.customer_id)
        .where(ticket.c.id == ticket_id)
    )
    return ticket_with_customer((await session.execute(query)).first())


async def update_ticket_if(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    *,
    expected_status: str,
    **changes: Unpack[TicketChanges],
) -> bool:
    """Change a ticket only if its status is still the expected one: False if a concurrent
    change came first."""
    statement = (
        update(ticket)
        .where(ticket.c.id == ticket_id, ticket.c.status == expected_status)
        .values(**changes)
    )
    return await execute_count(session, statement) == 1


async def claim_if_unclaimed(
    session: AsyncSession, ticket_id: uuid.UUID, agent_id: uuid.UUID, at: datetime
) -> bool:
    statement = (
        update(ticket)
        .where(ticket.c.id == ticket_id, ticket.c.claimed_by.is_(None))
        .values(claimed_by=agent_id, claimed_at=at)
    )
    return await execute_count(session, statement) == 1


async def mark_first_response(session: AsyncSession, ticket_id: uuid.UUID, at: datetime) -> bool:
    """Record the first public agent reply; False if there already was one."""
    statement = (
        update(ticket)
        .where(ticket.c.id == ticket_id, ticket.c.first_response_at.is_(None))
        .values(first_response_at=at)
    )
    return await execute_count(session, statement) == 1


async def set_ticket(
    session: AsyncSession, ticket_id: uuid.UUID, **changes: Unpack[TicketChanges]
) -> None:
    await session.execute(update(ticket).where(ticket.c.id == ticket_id).values(**changes))


def _in_queue(finished: Collection[str]) -> Any:
    return (ticket.c.claimed_by.is_(None)) & ticket.c.status.not_in(finished)


async def queue(session: AsyncSession, finished: Collection[str], limit: int) -> list[TicketRecord]:
    """Unclaimed tickets strictly by arrival (clause 7), then by number."""
    query = (
        select(ticket)
        .where(_in_queue(finished))
        .order_by(ticket.c.received_at, ticket.c.number)
        .limit(limit)
    )
    return [TicketRecord(**_ticket_values(row)) for row in await session.execute(query)]


def _staff_filters(
    query: Select[Any],
    statuses: Collection[str],
    categories: Collection[str],
    channel: str | None,
    claimed_by: uuid.UUID | None,
) -> Select[Any]:
    """The filters staff lists and search share; an empty one filters nothing."""
    if statuses:
        query = query.where(ticket.c.status.in_(statuses))
    if categories:
        query = query.where(ticket.c.category.in_(categories))
    if channel is not None:
        query = query.where(ticket.c.channel == channel)
    if claimed_by is not None:
        query = query.where(ticket.c.claimed_by == claimed_by)
    return query


async def list_tickets(
    session: AsyncSession,
    *,
    statuses: Collection[str],
    categories: Collection[str],
    channel: str | None,
    claimed_by: uuid.UUID | None,
    partner_id: uuid.UUID | None,
    customer_email: str | None,
    after_number: int | None,
    limit: int,
    needs_reply: Collection[str] = (),
) -> list[TicketRecord]:
    """Tickets by number (their order of arrival), after ``after_number``, as filtered;
    ``needs_reply``: only those of these statuses whose customer waits for an answer."""
    query = select(ticket).order_by(ticket.c.number).limit(limit)
    if needs_reply:
        query = query.where(
            ticket.c.awaiting_reply_since.is_not(None), ticket.c.status.in_(needs_reply)
        )
    query = _staff_filters(query, statuses, categories, channel, claimed_by)
    if partner_id is not None:  # the partner's own tickets, and those handed to it
        query = query.where(
            or_(ticket.c.partner_id == partner_id, ticket.c.handed_to == partner_id)
        )
    if customer_email is not None:
        owner = select(customer.c.id).where(customer.c.email == customer_email)
        query = query.where(ticket.c.customer_id.in_(owner.scalar_subquery()))
    if after_number is not None:
        query = query.where(ticket.c.number > after_number)
    return [TicketRecord(**_ticket_values(row)) for row in await session.execute(query)]


async def claim_oldest(
    session: AsyncSession,
    agent_id: uuid.UUID,
    at: datetime,
    finished: Collection[str],
    *,
    skip_locked: bool,
) -> uuid.UUID | None:
    """Give the oldest unclaimed ticket to ``agent_id`` in one statement.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent claims take
    different tickets instead of waiting on each other; SQLite has one writer at a time.
    """
    candidate = (
        select(ticket.c.number)
        .where(_in_queue(finished))
        .order_by(ticket.c.received_at, ticket.c.number)
        .limit(1)
    )
    if skip_locked:
        candidate = candidate.with_for_update(skip_locked=True)
    statement = (
        update(ticket)
        .where(ticket.c.number == candidate.scalar_subquery(), ticket.c.claimed_by.is_(None))
        .values(claimed_by=agent_id, claimed_at=at)
        .returning(ticket.c.id)
    )
    claimed: uuid.UUID | None = (await session.execute(statement)).scalar_one_or_none()
    return claimed


async def add_message(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    ticket_id: uuid.UUID,
    author: str,
    author_id: uuid.UUID | None,
    internal: bool,
    first_response: bool,
    unverified: bool,
    body: str,
    created_at: datetime,
) -> None:
    await session.execute(
        message.insert().values(
            id=id,
            ticket_id=ticket_id,
            author=author,
            author_id=author_id,
            internal=internal,
            first_response=first_response,
            unverified=unverified,
            body=body,
            created_at=created_at,
        )
    )


async def messages_of(
    session: AsyncSession, ticket_id: uuid.UUID, *, internal: bool
) -> list[MessageRecord]:
    """A ticket's messages; ``internal``: the staff view, with notes and unverified mail."""
    query = select(message).where(message.c.ticket_id == ticket_id)
    if not internal:
        query = query.where(message.c.internal.is_(False), message.c.unverified.is_(False))
    rows = await session.execute(query.order_by(message.c.created_at, message.c.id))
    return [MessageRecord(**{**row._mapping, "author": Actor(row.author)}) for row in rows]


async def get_message(
    session: AsyncSession, ticket_id: uuid.UUID, message_id: uuid.UUID
) -> MessageRecord | None:
    query = select(message).where(message.c.id == message_id, message.c.ticket_id == ticket_id)
    row = (await session.execute(query)).first()
    return None if row is None else MessageRecord(**{**row._mapping, "author": Actor(row.author)})


async def mark_verified(session: AsyncSession, message_id: uuid.UUID) -> bool:
    """Clear the unverified flag; False if it was already clear (accepted meanwhile)."""
    statement = (
        update(message)
        .where(message.c.id == message_id, message.c.unverified.is_(True))
        .values(unverified=False)
    )
    return await execute_count(session, statement) == 1


async def add_timeline(
    session: AsyncSession,
    *,
    ticket_id: uuid.UUID,
    at: datetime,
    kind: str,
    actor: str,
    actor_id: uuid.UUID | None,
    public: bool,
    detail: dict[str, Any],
) -> None:
    await session.execute(
        timeline.insert().values(
            ticket_id=ticket_id,
            at=at,
            kind=kind,
            actor=actor,
            actor_id=actor_id,
            public=public,
            detail=detail,
        )
    )


async def timeline_of(
    session: AsyncSession, ticket_id: uuid.UUID, *, public_only: bool
) -> list[TimelineRecord]:
    query = select(timeline).where(timeline.c.ticket_id == ticket_id)
    if public_only:
        query = query.where(timeline.c.public.is_(True))
    rows = await session.execute(query.order_by(timeline.c.id))
    return [TimelineRecord(**row._mapping) for row in rows]


async def rated_since(session: AsyncSession, ticket_id: uuid.UUID, resolved_at: datetime) -> bool:
    query = select(
        exists().where(rating.c.ticket_id == ticket_id, rating.c.resolved_at == resolved_at)
    )
    return bool((await session.execute(query)).scalar_one())


async def add_rating(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    ticket_id: uuid.UUID,
    resolved_at: datetime | None,
    score: int,
    comment: str | None,
    rated_at: datetime,
) -> None:
    await session.execute(
        rating.insert().values(
            id=id,
            ticket_id=ticket_id,
            resolved_at=resolved_at,
            score=score,
            comment=comment,
            rated_at=rated_at,
        )
    )


async def ratings_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[RatingRecord]:
    query = select(rating).where(rating.c.ticket_id == ticket_id).order_by(rating.c.rated_at)
    return [RatingRecord(**row._mapping) for row in await session.execute(query)]


async def get_idempotent(session: AsyncSession, key: str, scope: str) -> IdempotencyRecord | None:
    query = select(idempotency_key).where(
        idempotency_key.c.key == key, idempotency_key.c.scope == scope
    )
    row = (await session.execute(query)).first()
    return None if row is None else IdempotencyRecord(**row._mapping)


async def save_idempotent_many(session: AsyncSession, rows: Sequence[RememberedAnswer]) -> None:
    await insert_rows(session, idempotency_key, rows)


async def purge_idempotent(session: AsyncSession, before: datetime) -> int:
    """Forget up to PURGE_BATCH keys remembered before ``before``; how many went."""
    expired = (
        select(idempotency_key.c.key, idempotency_key.c.scope)
        .where(idempotency_key.c.created_at < before)
        .limit(PURGE_BATCH)
    )
    primary_key = tuple_(idempotency_key.c.key, idempotency_key.c.scope)
    return await execute_count(session, delete(idempotency_key).where(primary_key.in_(expired)))


# Staff's tools (issue 16): ticket search, the customer's other tickets, canned replies.


@dataclass(frozen=True, slots=True)
class TicketSummaryRecord:
    """A ticket as staff's lists show it, with its customer."""

    id: uuid.UUID
    number: int
    status: TicketStatus
    channel: Channel
    category: Category | None
    complexity: Complexity | None
    subject: str
    received_at: datetime
    customer_is_new: bool
    claimed_by: uuid.UUID | None
    awaiting_reply_since: datetime | None
    customer_email: str
    customer_name: str
    customer_language: str
    score: float = 0.0


_SUMMARY = (
    ticket.c.id,
    ticket.c.number,
    ticket.c.status,
    ticket.c.channel,
    ticket.c.category,
    ticket.c.complexity,
    ticket.c.subject,
    ticket.c.received_at,
    ticket.c.customer_is_new,
    ticket.c.claimed_by,
    ticket.c.awaiting_reply_since,
    customer.c.email.label("customer_email"),
    func.coalesce(ticket.c.customer_name, customer.c.name).label("customer_name"),
    func.coalesce(ticket.c.customer_language, customer.c.language).label("customer_language"),
)


def _summary(row: Row[*tuple[Any, ...]]) -> TicketSummaryRecord:
    values = row._asdict()
    return TicketSummaryRecord(
        **values
        | {
            "status": TicketStatus(row.status),
            "channel": Channel(row.channel),
            "category": None if row.category is None else Category(row.category),
            "complexity": None if row.complexity is None else Complexity(row.complexity),
            "score": float(values.get("score") or 0.0),
        }
    )


# A word found in a ticket's messages counts for less than one in its subject or body.
MESSAGE_WEIGHT = 0.5


def _word_hits(term: int, prefix: str, *, postgres: bool) -> list[Select[Any]]:
    """(ticket id, term, score) of the tickets whose subject, body or a message (internal
    notes too: staff search) holds a word starting with ``prefix``: one indexed lookup each."""
    if postgres:
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery_prefix(prefix))
        return [
            select(
                ticket.c.id.label("ticket_id"),
                literal(term).label("term"),
                func.ts_rank(ticket_search_vector, query).label("score"),
            ).where(ticket_search_vector.op("@@")(query)),
            select(
                message.c.ticket_id,
                literal(term),
                func.ts_rank(message_search_vector, query) * MESSAGE_WEIGHT,
            ).where(message_search_vector.op("@@")(query)),
        ]
    match = fts5_prefix(prefix)
    # bm25 is lower for a better match; the subject weighs more than the body.
    return [
        select(
            ticket.c.id.label("ticket_id"),
            literal(term).label("term"),
            (-func.bm25(literal_column("ticket_text"), 4.0, 1.0)).label("score"),
        )
        .select_from(ticket_text.join(ticket, ticket.c.number == ticket_text.c.rowid))
        .where(literal_column("ticket_text").op("MATCH")(match)),
        select(
            message.c.ticket_id,
            literal(term),
            -func.bm25(literal_column("message_text")) * MESSAGE_WEIGHT,
        )
        .select_from(
            message_text.join(message, literal_column("message.rowid") == message_text.c.rowid)
        )
        .where(literal_column("message_text").op("MATCH")(match)),
    ]


async def search_tickets(
    session: AsyncSession,
    *,
    prefixes: Sequence[str],
    numbers: Collection[int],
    addresses: Collection[str],
    statuses: Collection[str],
    categories: Collection[str],
    channel: str | None,
    claimed_by: uuid.UUID | None,
    by_relevance: bool,
    limit: int,
    offset: int,
) -> list[TicketSummaryRecord]:
    """Tickets that hold every word (by prefix, in any of their texts), with the numbers and
    addresses asked for, as filtered: the best match first (then the newest), or the newest.
    Work grows with the matches, never with the whole table."""
    query = select(*_SUMMARY).join(customer, customer.c.id == ticket.c.customer_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    if prefixes:
        parts = [
            part
            for term, prefix in enumerate(prefixes)
            for part in _word_hits(term, prefix, postgres=postgres)
        ]
        hits = union_all(*parts).subquery("hits")
        matched = (
            select(hits.c.ticket_id, func.sum(hits.c.score).label("score"))
            .group_by(hits.c.ticket_id)
            .having(func.count(distinct(hits.c.term)) == len(prefixes))
            .subquery("matched")
        )
        query = query.add_columns(matched.c.score).join(matched, matched.c.ticket_id == ticket.c.id)
        relevance = [matched.c.score.desc()]
    else:
        relevance = []
    if numbers:
        query = query.where(ticket.c.number.in_(numbers))
    if addresses:
        query = query.where(customer.c.email.in_(addresses))
    query = _staff_filters(query, statuses, categories, channel, claimed_by)
    order = [*relevance, ticket.c.number.desc()] if by_relevance else [ticket.c.number.desc()]
    rows = (await session.execute(query.order_by(*order).limit(limit).offset(offset))).all()
    return [_summary(row) for row in rows]


async def customer_tickets(
    session: AsyncSession, ticket_id: uuid.UUID, *, limit: int
) -> list[TicketSummaryRecord] | None:
    """The other tickets of this ticket's customer, newest first; None if no such ticket."""
    owner = await session.scalar(select(ticket.c.customer_id).where(ticket.c.id == ticket_id))
    if owner is None:
        return None
    query = (
        select(*_SUMMARY)
        .join(customer, customer.c.id == ticket.c.customer_id)
        .where(ticket.c.customer_id == owner, ticket.c.id != ticket_id)
        .order_by(ticket.c.number.desc())
        .limit(limit)
    )
    return [_summary(row) for row in (await session.execute(query)).all()]


async def note_public_message(
    session: AsyncSession, ticket_id: uuid.UUID, *, by_customer: bool, at: datetime
) -> None:
    """The customer waits for an answer from their first public word after the agents' last
    one; an agent's public word ends the wait."""
    since = func.coalesce(ticket.c.awaiting_reply_since, at) if by_customer else None
    await session.execute(
        update(ticket).where(ticket.c.id == ticket_id).values(awaiting_reply_since=since)
    )
