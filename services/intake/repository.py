"""Every query of the intake service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import (
    Row,
    Select,
    case,
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
    article,
    article_search,
    article_search_vector,
    article_vote,
    attachment,
    attachment_chunk,
    canned_reply,
    credential,
    customer,
    feedback,
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
from shared.contracts.events import Category, Channel, Complexity, TicketStatus
from shared.db import execute_count, insert_ignoring_conflicts, insert_rows
from shared.outbox import PURGE_BATCH


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


async def insert_tickets(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> dict[uuid.UUID, int]:
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


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Row[Any] | None:
    query = (
        select(ticket, *TICKET_CUSTOMER)
        .join(customer, customer.c.id == ticket.c.customer_id)
        .where(ticket.c.id == ticket_id)
    )
    return (await session.execute(query)).first()


async def update_ticket_if(
    session: AsyncSession, ticket_id: uuid.UUID, *, expected_status: str, **values: Any
) -> bool:
    """Change a ticket only if its status is still the expected one: False if a concurrent
    change came first."""
    statement = (
        update(ticket)
        .where(ticket.c.id == ticket_id, ticket.c.status == expected_status)
        .values(**values)
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


async def set_ticket(session: AsyncSession, ticket_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(ticket).where(ticket.c.id == ticket_id).values(**values))


def _in_queue(finished: Collection[str]) -> Any:
    return (ticket.c.claimed_by.is_(None)) & ticket.c.status.not_in(finished)


async def queue(session: AsyncSession, finished: Collection[str], limit: int) -> Sequence[Row[Any]]:
    """Unclaimed tickets strictly by arrival (clause 7), then by number."""
    query = (
        select(ticket)
        .where(_in_queue(finished))
        .order_by(ticket.c.received_at, ticket.c.number)
        .limit(limit)
    )
    return (await session.execute(query)).all()


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
) -> Sequence[Row[Any]]:
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
    return (await session.execute(query)).all()


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


async def add_message(session: AsyncSession, **values: Any) -> None:
    await session.execute(message.insert().values(**values))


async def messages_of(
    session: AsyncSession, ticket_id: uuid.UUID, *, internal: bool
) -> Sequence[Row[Any]]:
    """A ticket's messages; ``internal``: the staff view, with notes and unverified mail."""
    query = select(message).where(message.c.ticket_id == ticket_id)
    if not internal:
        query = query.where(message.c.internal.is_(False), message.c.unverified.is_(False))
    return (await session.execute(query.order_by(message.c.created_at, message.c.id))).all()


async def get_message(
    session: AsyncSession, ticket_id: uuid.UUID, message_id: uuid.UUID
) -> Row[Any] | None:
    query = select(message).where(message.c.id == message_id, message.c.ticket_id == ticket_id)
    return (await session.execute(query)).first()


async def mark_verified(session: AsyncSession, message_id: uuid.UUID) -> bool:
    """Clear the unverified flag; False if it was already clear (accepted meanwhile)."""
    statement = (
        update(message)
        .where(message.c.id == message_id, message.c.unverified.is_(True))
        .values(unverified=False)
    )
    return await execute_count(session, statement) == 1


# An attachment's bytes are written and read in pieces of this size.
CHUNK_BYTES = 256 * 1024


def _pieces(content: bytes | IO[bytes] | None) -> Iterator[bytes]:
    if content is None:
        return
    if isinstance(content, bytes):
        view = memoryview(content)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    content.seek(0)
    while piece := content.read(CHUNK_BYTES):
        yield piece


async def add_attachments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The attachments' rows, then each one's ``content`` (bytes or a file) in chunks."""
    if not rows:
        return
    columns = set(attachment.c.keys())
    await insert_rows(
        session, attachment, [{k: v for k, v in r.items() if k in columns} for r in rows]
    )
    for row in rows:
        for seq, piece in enumerate(_pieces(row["content"])):
            await session.execute(
                attachment_chunk.insert().values(attachment_id=row["id"], seq=seq, data=piece)
            )


async def attachments_of(session: AsyncSession, ticket_id: uuid.UUID) -> Sequence[Row[Any]]:
    """Every attachment of a ticket (the bytes are elsewhere)."""
    query = (
        select(attachment)
        .where(attachment.c.ticket_id == ticket_id)
        .order_by(attachment.c.created_at, attachment.c.id)
    )
    return (await session.execute(query)).all()


async def attachment_chunk_of(
    session: AsyncSession, attachment_id: uuid.UUID, seq: int
) -> bytes | None:
    query = select(attachment_chunk.c.data).where(
        attachment_chunk.c.attachment_id == attachment_id, attachment_chunk.c.seq == seq
    )
    data = (await session.execute(query)).scalar_one_or_none()
    return None if data is None else bytes(data)


async def get_attachment(
    session: AsyncSession, ticket_id: uuid.UUID, attachment_id: uuid.UUID
) -> Row[Any] | None:
    query = (
        select(attachment, (message.c.internal | message.c.unverified).label("internal"))
        .outerjoin(message, message.c.id == attachment.c.message_id)
        .where(attachment.c.id == attachment_id, attachment.c.ticket_id == ticket_id)
    )
    return (await session.execute(query)).first()


async def add_timeline(session: AsyncSession, **values: Any) -> None:
    await session.execute(timeline.insert().values(**values))


async def timeline_of(
    session: AsyncSession, ticket_id: uuid.UUID, *, public_only: bool
) -> Sequence[Row[Any]]:
    query = select(timeline).where(timeline.c.ticket_id == ticket_id)
    if public_only:
        query = query.where(timeline.c.public.is_(True))
    return (await session.execute(query.order_by(timeline.c.id))).all()


async def rated_since(session: AsyncSession, ticket_id: uuid.UUID, resolved_at: datetime) -> bool:
    query = select(
        exists().where(rating.c.ticket_id == ticket_id, rating.c.resolved_at == resolved_at)
    )
    return bool((await session.execute(query)).scalar_one())


async def add_rating(session: AsyncSession, **values: Any) -> None:
    await session.execute(rating.insert().values(**values))


async def ratings_of(session: AsyncSession, ticket_id: uuid.UUID) -> Sequence[Row[Any]]:
    query = select(rating).where(rating.c.ticket_id == ticket_id).order_by(rating.c.rated_at)
    return (await session.execute(query)).all()


async def list_ratings(session: AsyncSession, *, max_score: int, limit: int) -> Sequence[Row[Any]]:
    """Newest first, with each ticket's number; ``max_score`` finds the unhappy ones."""
    query = (
        select(rating, ticket.c.number)
        .join(ticket, ticket.c.id == rating.c.ticket_id)
        .where(rating.c.score <= max_score)
        .order_by(rating.c.rated_at.desc(), rating.c.id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def add_feedback(session: AsyncSession, **values: Any) -> None:
    await session.execute(feedback.insert().values(**values))


async def list_feedback(
    session: AsyncSession, *, status: str | None, kind: str | None, limit: int
) -> Sequence[Row[Any]]:
    """Newest first: what came in last is what staff have not seen yet."""
    query = select(feedback)
    if status is not None:
        query = query.where(feedback.c.status == status)
    if kind is not None:
        query = query.where(feedback.c.kind == kind)
    query = query.order_by(feedback.c.created_at.desc(), feedback.c.id).limit(limit)
    return (await session.execute(query)).all()


async def get_feedback_for_update(session: AsyncSession, feedback_id: uuid.UUID) -> Row[Any] | None:
    query = select(feedback).where(feedback.c.id == feedback_id).with_for_update()
    return (await session.execute(query)).first()


async def set_feedback_status(
    session: AsyncSession, feedback_id: uuid.UUID, status: str, at: datetime
) -> None:
    await session.execute(
        update(feedback)
        .where(feedback.c.id == feedback_id)
        .values(status=status, status_changed_at=at)
    )


async def add_credential(session: AsyncSession, **values: Any) -> None:
    await session.execute(credential.insert().values(**values))


async def credentials(session: AsyncSession) -> Sequence[Row[Any]]:
    return (await session.execute(select(credential).order_by(credential.c.created_at))).all()


async def get_credential(session: AsyncSession, credential_id: uuid.UUID) -> Row[Any] | None:
    query = select(credential).where(credential.c.id == credential_id)
    return (await session.execute(query)).first()


async def active_staff_credential(session: AsyncSession, email: str) -> Row[Any] | None:
    """The newest staff token of this address that is not revoked (sign-in to the console)."""
    query = (
        select(credential)
        .where(
            credential.c.email == email.lower(),
            credential.c.role != "partner",
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def revoke_credential(session: AsyncSession, credential_id: uuid.UUID, at: datetime) -> bool:
    """Revoke a credential; False if there is none such or it already was."""
    statement = (
        update(credential)
        .where(credential.c.id == credential_id, credential.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return await execute_count(session, statement) == 1


async def is_revoked(session: AsyncSession, subject: uuid.UUID) -> bool:
    """True if intake issued this subject's credential and it was revoked since."""
    query = select(exists().where(credential.c.id == subject, credential.c.revoked_at.is_not(None)))
    return bool((await session.execute(query)).scalar_one())


async def get_idempotent(session: AsyncSession, key: str, scope: str) -> Row[Any] | None:
    query = select(idempotency_key).where(
        idempotency_key.c.key == key, idempotency_key.c.scope == scope
    )
    return (await session.execute(query)).first()


async def save_idempotent_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
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


# The knowledge base (clause 16).


async def add_article(session: AsyncSession, **values: Any) -> Row[Any]:
    result = await session.execute(article.insert().values(**values).returning(*article.c))
    return result.one()


async def get_article(session: AsyncSession, article_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(article).where(article.c.id == article_id))).first()


async def update_article(
    session: AsyncSession, article_id: uuid.UUID, **values: Any
) -> Row[Any] | None:
    statement = (
        update(article).where(article.c.id == article_id).values(**values).returning(*article.c)
    )
    return (await session.execute(statement)).first()


async def delete_article(session: AsyncSession, article_id: uuid.UUID) -> bool:
    await session.execute(delete(article_vote).where(article_vote.c.article_id == article_id))
    return await execute_count(session, delete(article).where(article.c.id == article_id)) == 1


async def articles(
    session: AsyncSession,
    *,
    statuses: Collection[str],
    language: str | None,
    limit: int,
    offset: int,
) -> Sequence[Row[Any]]:
    """Articles of the given statuses, the most recently changed first."""
    query = select(article).where(article.c.status.in_(statuses))
    if language is not None:
        query = query.where(article.c.language == language)
    query = query.order_by(article.c.updated_at.desc(), article.c.id).limit(limit).offset(offset)
    return (await session.execute(query)).all()


async def any_article(session: AsyncSession, status: str) -> bool:
    query = select(exists().where(article.c.status == status))
    return bool((await session.execute(query)).scalar_one())


async def record_vote(
    session: AsyncSession, article_id: uuid.UUID, voter: uuid.UUID, *, helpful: bool, at: datetime
) -> bool | None:
    """Keep a reader's answer; their previous one, or None if this is their first."""
    first = insert_ignoring_conflicts(
        session,
        article_vote,
        ["article_id", "voter"],
        article_id=article_id,
        voter=voter,
        helpful=helpful,
        voted_at=at,
    )
    if await execute_count(session, first):
        return None
    # Answered before (or a moment ago, concurrently): move that answer.
    mine = (article_vote.c.article_id == article_id) & (article_vote.c.voter == voter)
    query = select(article_vote.c.helpful).where(mine).with_for_update()
    previous = bool((await session.execute(query)).scalar_one())
    if previous != helpful:
        await session.execute(update(article_vote).where(mine).values(helpful=helpful, voted_at=at))
    return previous


async def lock_article(session: AsyncSession, article_id: uuid.UUID, *, status: str) -> bool:
    """Lock an article of ``status`` for a change; False if there is none such."""
    query = (
        select(article.c.id)
        .where(article.c.id == article_id, article.c.status == status)
        .with_for_update()
    )
    return (await session.execute(query)).first() is not None


async def count_vote(
    session: AsyncSession, article_id: uuid.UUID, *, helpful: bool, previous: bool | None
) -> Row[Any]:
    """Count one answer to "Did this help?", moving the reader's ``previous`` answer if they
    gave one."""
    yes, no = article.c.helpful_votes, article.c.unhelpful_votes
    counter, other = (yes, no) if helpful else (no, yes)
    changes: dict[Any, Any] = {}
    if previous is None:
        changes[counter] = counter + 1
    elif previous != helpful:
        changes = {counter: counter + 1, other: other - 1}
    else:
        changes[counter] = counter  # the same answer again: nothing moves
    statement = (
        update(article)
        .where(article.c.id == article_id)
        .values(changes)
        .returning(article.c.id, yes, no)
    )
    return (await session.execute(statement)).one()


async def index_article(
    session: AsyncSession, article_id: uuid.UUID, *, title: str, tags: str, body: str
) -> None:
    """SQLite: (re)write an article's stemmed text in the FTS5 table."""
    await unindex_article(session, article_id)
    await session.execute(
        article_search.insert().values(article_id=article_id, title=title, tags=tags, body=body)
    )


async def unindex_article(session: AsyncSession, article_id: uuid.UUID) -> None:
    await session.execute(delete(article_search).where(article_search.c.article_id == article_id))


async def search_articles(
    session: AsyncSession,
    *,
    match: str,
    postgres: bool,
    statuses: Collection[str],
    language: str | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Articles that match, in ``language`` first, then best match first: one query, on the
    GIN index (PostgreSQL, ``match`` for to_tsquery; titles weigh more than tags, tags more
    than the body; the rows carry their ``score``) or the FTS5 table (SQLite, ``match`` an FTS5
    expression of stems; the rows carry their stemmed text for the caller to rank)."""
    if postgres:
        # Each configuration stems the words its way; an article matches in its own.
        query_ru = func.to_tsquery(literal_column("'russian'::regconfig"), match)
        query_en = func.to_tsquery(literal_column("'english'::regconfig"), match)
        tsquery = query_ru.op("||")(query_en)
        score = func.ts_rank(article_search_vector, tsquery)
        rank = score.desc()
        query = select(article, score.label("score")).where(article_search_vector.op("@@")(tsquery))
    else:
        # The caller ranks these candidates as ts_rank would, from the stemmed text; bm25
        # (lower is better; weights in the FTS5 columns' order) only picks which to read.
        rank = func.bm25(literal_column("article_search"), 0.0, 10.0, 4.0, 1.0).asc()
        query = (
            select(
                article,
                article_search.c.title.label("stemmed_title"),
                article_search.c.tags.label("stemmed_tags"),
                article_search.c.body.label("stemmed_body"),
            )
            .select_from(article_search.join(article, article.c.id == article_search.c.article_id))
            .where(literal_column("article_search").op("MATCH")(match))
        )
    query = query.where(article.c.status.in_(statuses))
    order = [rank, article.c.id]
    if language is not None:
        order.insert(0, case((article.c.language == language, 0), else_=1))
    return (await session.execute(query.order_by(*order).limit(limit))).all()


# Staff's tools (issue 16): ticket search, the customer's other tickets, canned replies.


@dataclass(frozen=True)
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
    postgres: bool,
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


@dataclass(frozen=True)
class CannedReplyRecord:
    id: uuid.UUID
    owner_id: uuid.UUID | None  # None: shared
    language: str
    title: str
    body: str
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


def _canned(row: Row[Any]) -> CannedReplyRecord:
    return CannedReplyRecord(**row._asdict())


async def add_canned_reply(session: AsyncSession, **values: Any) -> CannedReplyRecord:
    statement = canned_reply.insert().values(**values).returning(*canned_reply.c)
    return _canned((await session.execute(statement)).one())


async def get_canned_reply(
    session: AsyncSession, reply_id: uuid.UUID, *, for_update: bool = False
) -> CannedReplyRecord | None:
    query = select(canned_reply).where(canned_reply.c.id == reply_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else _canned(row)


async def canned_replies(
    session: AsyncSession, *, owner_id: uuid.UUID, language: str | None, limit: int
) -> list[CannedReplyRecord]:
    """The shared ones and ``owner_id``'s own, by title."""
    query = select(canned_reply).where(
        or_(canned_reply.c.owner_id.is_(None), canned_reply.c.owner_id == owner_id)
    )
    if language is not None:
        query = query.where(canned_reply.c.language == language)
    query = query.order_by(canned_reply.c.title, canned_reply.c.id).limit(limit)
    return [_canned(row) for row in (await session.execute(query)).all()]


async def update_canned_reply(
    session: AsyncSession, reply_id: uuid.UUID, **values: Any
) -> CannedReplyRecord:
    statement = (
        update(canned_reply)
        .where(canned_reply.c.id == reply_id)
        .values(**values)
        .returning(*canned_reply.c)
    )
    return _canned((await session.execute(statement)).one())


async def delete_canned_reply(session: AsyncSession, reply_id: uuid.UUID) -> None:
    await session.execute(delete(canned_reply).where(canned_reply.c.id == reply_id))


@dataclass(frozen=True)
class StaffAccountRecord:
    """A staff credential as its owner signs in with it: never a partner key."""

    id: uuid.UUID
    role: str
    email: str
    password_hash: str | None
    password_changed_at: datetime | None
    revoked_at: datetime | None


def _account(row: Row[Any] | None) -> StaffAccountRecord | None:
    if row is None:
        return None
    return StaffAccountRecord(
        id=row.id,
        role=row.role,
        email=row.email,
        password_hash=row.password_hash,
        password_changed_at=row.password_changed_at,
        revoked_at=row.revoked_at,
    )


async def active_staff_account(session: AsyncSession, email: str) -> StaffAccountRecord | None:
    """The account an address signs in to: its newest staff credential not revoked."""
    query = (
        select(credential)
        .where(
            credential.c.email == email.lower(),
            credential.c.role != "partner",
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at.desc())
        .limit(1)
    )
    return _account((await session.execute(query)).first())


async def staff_account(
    session: AsyncSession, credential_id: uuid.UUID
) -> StaffAccountRecord | None:
    query = select(credential).where(
        credential.c.id == credential_id,
        credential.c.role != "partner",
        credential.c.email.is_not(None),
    )
    return _account((await session.execute(query)).first())


async def set_password_hash(
    session: AsyncSession, credential_id: uuid.UUID, password_hash: str, changed_at: datetime
) -> None:
    await session.execute(
        update(credential)
        .where(credential.c.id == credential_id)
        .values(password_hash=password_hash, password_changed_at=changed_at)
    )


# -- Staff as the console's admin pages show them (issue 16) ----------------------------------


@dataclass(frozen=True)
class StaffMemberRecord:
    """A staff credential as an admin sees it: never a partner key, never a hash."""

    id: uuid.UUID
    email: str
    name: str | None
    role: str
    created_at: datetime
    revoked_at: datetime | None
    has_password: bool
    password_hash: str | None
    password_changed_at: datetime | None


def _member(row: Row[Any]) -> StaffMemberRecord:
    return StaffMemberRecord(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        has_password=row.password_hash is not None,
        password_hash=row.password_hash,
        password_changed_at=row.password_changed_at,
    )


_STAFF = (credential.c.role != "partner", credential.c.email.is_not(None))


async def staff_members(session: AsyncSession) -> list[StaffMemberRecord]:
    """Every staff credential, those still active first, then the newest first."""
    query = (
        select(credential)
        .where(*_STAFF)
        .order_by(credential.c.revoked_at.is_not(None), credential.c.created_at.desc())
    )
    return [_member(row) for row in (await session.execute(query)).all()]


async def staff_member(session: AsyncSession, credential_id: uuid.UUID) -> StaffMemberRecord | None:
    query = select(credential).where(credential.c.id == credential_id, *_STAFF)
    row = (await session.execute(query)).first()
    return None if row is None else _member(row)


@dataclass(frozen=True)
class AccessTicketRecord:
    """A customer's ticket as a mailed link names it."""

    id: uuid.UUID
    number: int
    subject: str


async def open_tickets_of_address(
    session: AsyncSession, email: str, finished: Collection[str], limit: int
) -> list[AccessTicketRecord]:
    """The newest tickets of the customer with this (lower-case) address, but those in
    ``finished`` statuses."""
    owner = select(customer.c.id).where(customer.c.email == email)
    query = (
        select(ticket.c.id, ticket.c.number, ticket.c.subject)
        .where(ticket.c.customer_id.in_(owner.scalar_subquery()))
        .where(ticket.c.status.not_in(finished))
        .order_by(ticket.c.number.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [AccessTicketRecord(row.id, row.number, row.subject) for row in rows]


async def set_access_token_hash(session: AsyncSession, ticket_id: uuid.UUID, hashed: str) -> None:
    """The ticket's new key (its hash): the one before it opens it no more."""
    await session.execute(
        update(ticket).where(ticket.c.id == ticket_id).values(access_token_hash=hashed)
    )
