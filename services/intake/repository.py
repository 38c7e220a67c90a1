"""Every query of the intake service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    attachment,
    credential,
    customer,
    feedback,
    idempotency_key,
    message,
    rating,
    ticket,
    timeline,
)
from shared.db import execute_count, insert_ignoring_conflicts


async def upsert_customer(
    session: AsyncSession, *, email: str, name: str, language: str
) -> tuple[uuid.UUID, bool]:
    """The customer's id, creating the customer on first contact; True when just created."""
    new_id = uuid.uuid4()
    statement = insert_ignoring_conflicts(
        session, customer, ["email"], id=new_id, email=email, name=name, language=language
    )
    if await execute_count(session, statement):
        return new_id, True
    existing = await session.execute(select(customer.c.id).where(customer.c.email == email))
    return existing.scalar_one(), False


async def insert_ticket(session: AsyncSession, **values: Any) -> int:
    """Insert a ticket; returns its sequence number."""
    result = await session.execute(ticket.insert().values(**values).returning(ticket.c.number))
    return int(result.scalar_one())


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Row[Any] | None:
    query = (
        select(ticket, customer.c.email, customer.c.name, customer.c.language)
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
    query = select(message).where(message.c.ticket_id == ticket_id)
    if not internal:
        query = query.where(message.c.internal.is_(False))
    return (await session.execute(query.order_by(message.c.created_at, message.c.id))).all()


async def add_attachments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(attachment.insert(), rows)


async def attachments_of(session: AsyncSession, ticket_id: uuid.UUID) -> Sequence[Row[Any]]:
    """Every attachment of a ticket, without the bytes."""
    query = (
        select(attachment)
        .with_only_columns(*(c for c in attachment.c if c.name != "data"))
        .where(attachment.c.ticket_id == ticket_id)
        .order_by(attachment.c.created_at, attachment.c.id)
    )
    return (await session.execute(query)).all()


async def get_attachment(
    session: AsyncSession, ticket_id: uuid.UUID, attachment_id: uuid.UUID
) -> Row[Any] | None:
    query = (
        select(attachment, message.c.internal)
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


async def add_feedback(session: AsyncSession, **values: Any) -> None:
    await session.execute(feedback.insert().values(**values))


async def add_credential(session: AsyncSession, **values: Any) -> None:
    await session.execute(credential.insert().values(**values))


async def credentials(session: AsyncSession) -> Sequence[Row[Any]]:
    return (await session.execute(select(credential).order_by(credential.c.created_at))).all()


async def get_credential(session: AsyncSession, credential_id: uuid.UUID) -> Row[Any] | None:
    query = select(credential).where(credential.c.id == credential_id)
    return (await session.execute(query)).first()


async def revoke_credential(session: AsyncSession, credential_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(credential)
        .where(credential.c.id == credential_id, credential.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def is_revoked(session: AsyncSession, subject: uuid.UUID) -> bool:
    """True if intake issued this subject's credential and it was revoked since."""
    query = select(exists().where(credential.c.id == subject, credential.c.revoked_at.is_not(None)))
    return bool((await session.execute(query)).scalar_one())


async def get_idempotent(session: AsyncSession, key: str, scope: str) -> Row[Any] | None:
    query = select(idempotency_key).where(
        idempotency_key.c.key == key, idempotency_key.c.scope == scope
    )
    return (await session.execute(query)).first()


async def save_idempotent(
    session: AsyncSession,
    *,
    key: str,
    scope: str,
    fingerprint: str,
    status_code: int,
    response: dict[str, Any],
    created_at: datetime,
) -> None:
    await session.execute(
        idempotency_key.insert().values(
            key=key,
            scope=scope,
            fingerprint=fingerprint,
            status_code=status_code,
            response=response,
            created_at=created_at,
        )
    )
