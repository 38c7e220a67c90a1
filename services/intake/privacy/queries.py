"""Queries: what intake keeps of one customer, read for an export or blanked for an erasure."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    attachment,
    attachment_chunk,
    customer,
    feedback,
    inbound_mail,
    message,
    rating,
    ticket,
    timeline,
)
from shared.db import execute_count

# Free text a timeline entry may carry: an agent's note to the customer, the customer's reason.
TIMELINE_TEXT = ("note", "reason")


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: uuid.UUID
    email: str
    name: str
    language: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class GivenFeedbackRecord:
    kind: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExportedTicketRecord:
    id: uuid.UUID
    number: int
    channel: str
    category: str | None
    subject: str
    body: str
    status: str
    received_at: datetime
    resolved_at: datetime | None
    share_with_partners: bool


@dataclass(frozen=True, slots=True)
class PublicMessageRecord:
    ticket_id: uuid.UUID
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttachmentNameRecord:
    ticket_id: uuid.UUID
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class TicketRatingRecord:
    ticket_id: uuid.UUID
    score: int
    comment: str | None
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class ErasableTicketRecord:
    """What decides whether a customer's ticket may be erased now."""

    id: uuid.UUID
    number: int
    status: str
    channel: str
    claimed_by: uuid.UUID | None
    first_response_at: datetime | None


# -- The export ---------------------------------------------------------------------------


async def customer_by_email(session: AsyncSession, email: str) -> CustomerRecord | None:
    query = select(
        customer.c.id, customer.c.email, customer.c.name, customer.c.language, customer.c.created_at
    ).where(customer.c.email == email)
    row = (await session.execute(query)).first()
    return None if row is None else CustomerRecord(*row)


async def feedback_from(session: AsyncSession, email: str) -> list[GivenFeedbackRecord]:
    query = (
        select(feedback.c.kind, feedback.c.text, feedback.c.created_at)
        .where(feedback.c.email == email)
        .order_by(feedback.c.created_at)
    )
    return [GivenFeedbackRecord(*row) for row in await session.execute(query)]


async def tickets_of(session: AsyncSession, customer_id: uuid.UUID) -> list[ExportedTicketRecord]:
    query = (
        select(
            ticket.c.id,
            ticket.c.number,
            ticket.c.channel,
            ticket.c.category,
            ticket.c.subject,
            ticket.c.body,
            ticket.c.status,
            ticket.c.received_at,
            ticket.c.resolved_at,
            ticket.c.share_with_partners,
        )
        .where(ticket.c.customer_id == customer_id)
        .order_by(ticket.c.number)
    )
    return [ExportedTicketRecord(**row._mapping) for row in await session.execute(query)]


async def public_messages(
    session: AsyncSession, ticket_ids: Sequence[uuid.UUID]
) -> list[PublicMessageRecord]:
    query = (
        select(message.c.ticket_id, message.c.author, message.c.body, message.c.created_at)
        .where(message.c.ticket_id.in_(ticket_ids), message.c.internal == false())
        .order_by(message.c.created_at)
    )
    return [PublicMessageRecord(*row) for row in await session.execute(query)]


async def attachment_names(
    session: AsyncSession, ticket_ids: Sequence[uuid.UUID]
) -> list[AttachmentNameRecord]:
    query = (
        select(
            attachment.c.ticket_id,
            attachment.c.filename,
            attachment.c.content_type,
            attachment.c.size,
        )
        .where(attachment.c.ticket_id.in_(ticket_ids))
        .order_by(attachment.c.created_at)
    )
    return [AttachmentNameRecord(*row) for row in await session.execute(query)]


async def ratings_of(
    session: AsyncSession, ticket_ids: Sequence[uuid.UUID]
) -> list[TicketRatingRecord]:
    query = (
        select(rating.c.ticket_id, rating.c.score, rating.c.comment, rating.c.rated_at)
        .where(rating.c.ticket_id.in_(ticket_ids))
        .order_by(rating.c.rated_at)
    )
    return [TicketRatingRecord(*row) for row in await session.execute(query)]


# -- The erasure --------------------------------------------------------------------------


async def lock_customer(session: AsyncSession, email: str) -> uuid.UUID | None:
    """The id of the customer with this (lower-case) address, locked for the erasure."""
    query = select(customer.c.id).where(customer.c.email == email).with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return found if isinstance(found, uuid.UUID) else None


async def lock_tickets_of(
    session: AsyncSession, customer_id: uuid.UUID
) -> list[ErasableTicketRecord]:
    query = (
        select(
            ticket.c.id,
            ticket.c.number,
            ticket.c.status,
            ticket.c.channel,
            ticket.c.claimed_by,
            ticket.c.first_response_at,
        )
        .where(ticket.c.customer_id == customer_id)
        .order_by(ticket.c.number)
        .with_for_update()
    )
    return [ErasableTicketRecord(*row) for row in await session.execute(query)]


async def feedback_ids_from(session: AsyncSession, email: str) -> list[uuid.UUID]:
    query = select(feedback.c.id).where(feedback.c.email == email)
    return list((await session.execute(query)).scalars())


async def blank_feedback(session: AsyncSession, email: str) -> int:
    """Blank the feedback from this address; how many pieces there were."""
    statement = update(feedback).where(feedback.c.email == email).values(text="", email=None)
    return await execute_count(session, statement)


async def blank_customer(session: AsyncSession, customer_id: uuid.UUID, address: str) -> None:
    await session.execute(
        update(customer).where(customer.c.id == customer_id).values(email=address, name="")
    )


async def forget_tickets(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    if not ids:
        return
    await session.execute(
        update(ticket).where(ticket.c.id.in_(ids)).values(subject="", body="", customer_name=None)
    )
    # Agents' replies and notes too: they quote the customer and call them by name.
    await session.execute(update(message).where(message.c.ticket_id.in_(ids)).values(body=""))
    files = select(attachment.c.id).where(attachment.c.ticket_id.in_(ids))
    await session.execute(
        delete(attachment_chunk).where(attachment_chunk.c.attachment_id.in_(files))
    )
    await session.execute(delete(attachment).where(attachment.c.ticket_id.in_(ids)))
    await session.execute(update(rating).where(rating.c.ticket_id.in_(ids)).values(comment=None))
    entries = (
        await session.execute(
            select(timeline.c.id, timeline.c.detail).where(timeline.c.ticket_id.in_(ids))
        )
    ).all()
    for entry in entries:
        if any(entry.detail.get(key) for key in TIMELINE_TEXT):
            kept = {k: v for k, v in entry.detail.items() if k not in TIMELINE_TEXT}
            await session.execute(
                update(timeline).where(timeline.c.id == entry.id).values(detail=kept)
            )


async def forget_mail(session: AsyncSession, email: str, ids: Sequence[uuid.UUID]) -> None:
    """The raw mail they sent, filed or not, and what was noted of it (a refused file is named
    there); its fingerprint stays, so a resent old message is still recognised, not filed again."""
    await session.execute(
        update(inbound_mail)
        .where(or_(inbound_mail.c.ticket_id.in_(ids), func.lower(inbound_mail.c.sender) == email))
        .values(raw=b"", subject="", sender=None, envelope_sender=None, recipients=[], defects=[])
    )
