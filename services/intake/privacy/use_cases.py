"""A customer's personal data on request (clauses 19, 24): a copy of it, or its erasure.

Erasure keeps what the reports count (clause 22): numbers, times, statuses, categories and
scores. It blanks who the customer is, what they wrote and what was written to them, and
tells the other services (``customer.erased``) to forget their copies.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.tickets import format_number
from services.intake.privacy.schemas import (
    CustomerDataOut,
    ErasureOut,
    ExportedAttachmentOut,
    ExportedCustomerOut,
    ExportedFeedbackOut,
    ExportedMessageOut,
    ExportedRatingOut,
    ExportedTicketOut,
    PrivacyRequestIn,
)
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
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets.use_cases import change_status, publish, unit_over
from shared.contracts.events import Actor, Channel, CustomerErased, TicketStatus
from shared.db import execute_count
from shared.errors import ConflictError, NotFoundError
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

# Free text a timeline entry may carry: an agent's note to the customer, the customer's reason.
TIMELINE_TEXT = ("note", "reason")


class NothingKeptError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No personal data is kept for this address.")


class TicketsStillOpenError(ConflictError):
    def __init__(self, numbers: list[str]) -> None:
        super().__init__(
            "These tickets are still being worked on; close them, then erase: " + ", ".join(numbers)
        )


def erased_address(customer_id: uuid.UUID) -> str:
    # Unique like the address it replaces, and undeliverable: RFC 2606 reserves .example
    # (.invalid would be more apt, but address validation rightly refuses it).
    return f"erased-{customer_id}@erased.example"


async def export(runtime: ServiceRuntime, request: PrivacyRequestIn) -> CustomerDataOut:
    email = request.email.lower()
    async with runtime.db.sessions() as session:
        owner = (await session.execute(select(customer).where(customer.c.email == email))).first()
        tickets = await _tickets_of(session, owner.id) if owner else []
        given = (
            await session.execute(
                select(feedback).where(feedback.c.email == email).order_by(feedback.c.created_at)
            )
        ).all()
    if owner is None and not given:
        raise NothingKeptError()
    return CustomerDataOut(
        customer=(
            ExportedCustomerOut(
                id=owner.id,
                email=owner.email,
                name=owner.name,
                language=owner.language,
                created_at=owner.created_at,
            )
            if owner
            else None
        ),
        tickets=tickets,
        feedback=[
            ExportedFeedbackOut(kind=row.kind, text=row.text, created_at=row.created_at)
            for row in given
        ],
        exported_at=datetime.now(UTC),
    )


async def _tickets_of(session: AsyncSession, customer_id: uuid.UUID) -> list[ExportedTicketOut]:
    rows = (
        await session.execute(
            select(ticket).where(ticket.c.customer_id == customer_id).order_by(ticket.c.number)
        )
    ).all()
    ids = [row.id for row in rows]
    messages = await _grouped(
        session,
        select(message)
        .where(message.c.ticket_id.in_(ids), message.c.internal == false())
        .order_by(message.c.created_at),
    )
    files = await _grouped(
        session,
        select(
            attachment.c.ticket_id,
            attachment.c.filename,
            attachment.c.content_type,
            attachment.c.size,
        )
        .where(attachment.c.ticket_id.in_(ids))
        .order_by(attachment.c.created_at),
    )
    ratings = await _grouped(
        session, select(rating).where(rating.c.ticket_id.in_(ids)).order_by(rating.c.rated_at)
    )
    return [
        ExportedTicketOut(
            id=row.id,
            number=format_number(row.number),
            channel=row.channel,
            category=row.category,
            subject=row.subject,
            body=row.body,
            status=row.status,
            received_at=row.received_at,
            resolved_at=row.resolved_at,
            share_with_partners=row.share_with_partners,
            messages=[
                ExportedMessageOut(author=m.author, body=m.body, created_at=m.created_at)
                for m in messages.get(row.id, [])
            ],
            attachments=[
                ExportedAttachmentOut(filename=a.filename, content_type=a.content_type, size=a.size)
                for a in files.get(row.id, [])
            ],
            ratings=[
                ExportedRatingOut(score=r.score, comment=r.comment, rated_at=r.rated_at)
                for r in ratings.get(row.id, [])
            ],
        )
        for row in rows
    ]


async def _grouped(session: AsyncSession, query: Any) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in (await session.execute(query)).all():
        grouped.setdefault(row.ticket_id, []).append(row)
    return grouped


async def erase(runtime: ServiceRuntime, request: PrivacyRequestIn) -> ErasureOut:
    email, now = request.email.lower(), datetime.now(UTC)
    async with runtime.db.transaction() as session:
        owner = (
            await session.execute(
                select(customer.c.id).where(customer.c.email == email).with_for_update()
            )
        ).first()
        tickets = (
            (
                await session.execute(
                    select(
                        ticket.c.id,
                        ticket.c.number,
                        ticket.c.status,
                        ticket.c.channel,
                        ticket.c.claimed_by,
                        ticket.c.first_response_at,
                    )
                    .where(ticket.c.customer_id == owner.id)
                    .order_by(ticket.c.number)
                    .with_for_update()
                )
            ).all()
            if owner
            else []
        )
        # Work in progress would lose its subject and conversation under the agent's hands;
        # but a web-form ticket nobody has taken up yet is no one's work, and anyone could
        # have filed it to keep this address's owner from being forgotten: it is erased and
        # closed with the rest.
        unfinished = [t for t in tickets if t.status != TicketStatus.closed]
        blocking = [
            t
            for t in unfinished
            if t.channel != Channel.web or t.claimed_by is not None or t.first_response_at
        ]
        if blocking:
            raise TicketsStillOpenError([format_number(t.number) for t in blocking])
        left = (await session.execute(select(feedback.c.id).where(feedback.c.email == email))).all()
        erased_feedback = await execute_count(
            session, update(feedback).where(feedback.c.email == email).values(text="", email=None)
        )
        if owner is None and not erased_feedback:
            raise NothingKeptError()
        # Their feedback.received events carry the address too.
        await runtime.outbox.forget_published(session, [row.id for row in left])
        ids = [t.id for t in tickets]
        await _forget_mail(session, email, ids)
        if owner is not None:
            await session.execute(
                update(customer)
                .where(customer.c.id == owner.id)
                .values(email=erased_address(owner.id), name="")
            )
            await _forget_tickets(session, ids)
            # Events already published still carry the contact until the retention ends.
            await runtime.outbox.forget_published(session, ids)
            await publish(
                runtime,
                session,
                owner.id,
                CustomerErased(customer_id=owner.id, ticket_ids=ids, erased_at=now),
            )
            # After customer.erased, so that the other services have forgotten the customer
            # when they hear of the closing: nobody is mailed.
            for open_ticket in unfinished:
                row = await ticket_queries.get_ticket(session, open_ticket.id)
                assert row is not None
                await change_status(
                    unit_over(runtime, session),
                    row,
                    TicketStatus.closed,
                    actor=Actor.system,
                    actor_id=None,
                    at=now,
                )
    log.info("privacy.erased", customer_id=str(owner.id) if owner else None, tickets=len(ids))
    return ErasureOut(
        customer_id=owner.id if owner else None,
        tickets=[format_number(t.number) for t in tickets],
        feedback=erased_feedback,
        erased_at=now,
    )


async def _forget_tickets(session: AsyncSession, ids: list[uuid.UUID]) -> None:
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


async def _forget_mail(session: AsyncSession, email: str, ids: list[uuid.UUID]) -> None:
    """The raw mail they sent, filed or not, and what was noted of it (a refused file is named
    there); its fingerprint stays, so a resent old message is still recognised, not filed again."""
    await session.execute(
        update(inbound_mail)
        .where(or_(inbound_mail.c.ticket_id.in_(ids), func.lower(inbound_mail.c.sender) == email))
        .values(raw=b"", subject="", sender=None, envelope_sender=None, recipients=[], defects=[])
    )
