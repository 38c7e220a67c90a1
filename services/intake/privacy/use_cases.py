"""A customer's personal data on request (clauses 19, 24): a copy of it, or its erasure.

Erasure keeps what the reports count (clause 22): numbers, times, statuses, categories and
scores. It blanks who the customer is, what they wrote and what was written to them, and
tells the other services (``customer.erased``) to forget their copies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import structlog

from services.intake.domain.tickets import format_number
from services.intake.privacy import queries
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
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets.use_cases import change_status
from shared.contracts.events import (
    Actor,
    Category,
    Channel,
    CustomerErased,
    FeedbackKind,
    Language,
    TicketStatus,
)
from shared.errors import ConflictError, NotFoundError
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


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


async def export(uow: UnitOfWork, request: PrivacyRequestIn) -> CustomerDataOut:
    email = request.email.lower()
    owner = await queries.customer_by_email(uow.session, email)
    tickets = await _tickets_of(uow, owner.id) if owner else []
    given = await queries.feedback_from(uow.session, email)
    if owner is None and not given:
        raise NothingKeptError()
    return CustomerDataOut(
        customer=(
            ExportedCustomerOut(
                id=owner.id,
                email=owner.email,
                name=owner.name,
                language=Language(owner.language),
                created_at=owner.created_at,
            )
            if owner
            else None
        ),
        tickets=tickets,
        feedback=[
            ExportedFeedbackOut(
                kind=FeedbackKind(row.kind), text=row.text, created_at=row.created_at
            )
            for row in given
        ],
        exported_at=datetime.now(UTC),
    )


async def _tickets_of(uow: UnitOfWork, customer_id: uuid.UUID) -> list[ExportedTicketOut]:
    rows = await queries.tickets_of(uow.session, customer_id)
    ids = [row.id for row in rows]
    messages = _grouped(await queries.public_messages(uow.session, ids))
    files = _grouped(await queries.attachment_names(uow.session, ids))
    ratings = _grouped(await queries.ratings_of(uow.session, ids))
    return [
        ExportedTicketOut(
            id=row.id,
            number=format_number(row.number),
            channel=Channel(row.channel),
            category=None if row.category is None else Category(row.category),
            subject=row.subject,
            body=row.body,
            status=TicketStatus(row.status),
            received_at=row.received_at,
            resolved_at=row.resolved_at,
            share_with_partners=row.share_with_partners,
            messages=[
                ExportedMessageOut(author=Actor(m.author), body=m.body, created_at=m.created_at)
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


class _OfTicket(Protocol):
    @property
    def ticket_id(self) -> uuid.UUID: ...


_Record = TypeVar("_Record", bound=_OfTicket)


def _grouped(records: Iterable[_Record]) -> dict[uuid.UUID, list[_Record]]:
    grouped: dict[uuid.UUID, list[_Record]] = {}
    for record in records:
        grouped.setdefault(record.ticket_id, []).append(record)
    return grouped


async def erase(uow: UnitOfWork, request: PrivacyRequestIn) -> ErasureOut:
    email, now = request.email.lower(), datetime.now(UTC)
    session = uow.session
    owner_id = await queries.lock_customer(session, email)
    tickets = await queries.lock_tickets_of(session, owner_id) if owner_id else []
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
    left = await queries.feedback_ids_from(session, email)
    erased_feedback = await queries.blank_feedback(session, email)
    if owner_id is None and not erased_feedback:
        raise NothingKeptError()
    # Their feedback.received events carry the address too.
    await uow.outbox.forget_published(session, left)
    ids = [t.id for t in tickets]
    await queries.forget_mail(session, email, ids)
    if owner_id is not None:
        await queries.blank_customer(session, owner_id, erased_address(owner_id))
        await queries.forget_tickets(session, ids)
        # Events already published still carry the contact until the retention ends.
        await uow.outbox.forget_published(session, ids)
        await uow.stage(
            CustomerErased(customer_id=owner_id, ticket_ids=ids, erased_at=now), subject=owner_id
        )
        # After customer.erased, so that the other services have forgotten the customer
        # when they hear of the closing: nobody is mailed.
        for open_ticket in unfinished:
            row = await ticket_queries.get_ticket(session, open_ticket.id)
            assert row is not None
            await change_status(
                uow, row, TicketStatus.closed, actor=Actor.system, actor_id=None, at=now
            )
    log.info("privacy.erased", customer_id=str(owner_id) if owner_id else None, tickets=len(ids))
    return ErasureOut(
        customer_id=owner_id,
        tickets=[format_number(t.number) for t in tickets],
        feedback=erased_feedback,
        erased_at=now,
    )
