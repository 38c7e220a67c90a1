"""The queries of inbound mail (``inbound_mail`` and finding the ticket a reply answers).

Kept beside ``repository`` rather than in it so the mail channel's queries read together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import customer, inbound_mail, ticket
from services.intake.tickets.queries import (
    TICKET_CUSTOMER,
    TicketWithCustomer,
    ticket_with_customer,
)
from shared.db import execute_count
from shared.outbox import PURGE_BATCH


async def ticket_by_number(session: AsyncSession, sequence: int) -> TicketWithCustomer | None:
    """A ticket with its customer, in the shape ``ticket_queries.get_ticket`` returns."""
    query = (
        select(ticket, *TICKET_CUSTOMER)
        .join(customer, customer.c.id == ticket.c.customer_id)
        .where(ticket.c.number == sequence)
    )
    return ticket_with_customer((await session.execute(query)).first())


async def by_fingerprint(session: AsyncSession, fingerprint: str) -> Row[Any] | None:
    """The recorded message with this fingerprint, and the number of its ticket if any."""
    query = (
        select(
            inbound_mail.c.id,
            inbound_mail.c.outcome,
            inbound_mail.c.reason,
            inbound_mail.c.ticket_id,
            ticket.c.number,
        )
        .outerjoin(ticket, ticket.c.id == inbound_mail.c.ticket_id)
        .where(inbound_mail.c.fingerprint == fingerprint)
    )
    found: Row[Any] | None = (await session.execute(query)).first()  # type: ignore[assignment]
    return found


async def count_from(session: AsyncSession, sender: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(inbound_mail)
        .where(inbound_mail.c.sender == sender, inbound_mail.c.received_at >= since)
    )
    return int((await session.execute(query)).scalar_one())


async def add(session: AsyncSession, **values: Any) -> None:
    await session.execute(inbound_mail.insert().values(**values))


async def with_outcome(session: AsyncSession, outcome: str, limit: int) -> Sequence[Row[Any]]:
    """Recorded messages of one outcome, newest first, without their bytes."""
    query = (
        select(inbound_mail)
        .with_only_columns(*(c for c in inbound_mail.c if c.name != "raw"))
        .where(inbound_mail.c.outcome == outcome)
        .order_by(inbound_mail.c.received_at.desc(), inbound_mail.c.id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def purge_throttled(session: AsyncSession, before: datetime) -> int:
    """Forget up to PURGE_BATCH throttled messages received before ``before``; how many went."""
    expired = (
        select(inbound_mail.c.id)
        .where(inbound_mail.c.outcome == "throttled", inbound_mail.c.received_at < before)
        .limit(PURGE_BATCH)
    )
    return await execute_count(session, delete(inbound_mail).where(inbound_mail.c.id.in_(expired)))


async def raw_of(session: AsyncSession, mail_id: uuid.UUID) -> bytes | None:
    query = select(inbound_mail.c.raw).where(inbound_mail.c.id == mail_id)
    raw: bytes | None = (await session.execute(query)).scalar_one_or_none()
    return raw


@dataclass(frozen=True)
class MailSource:
    """A recorded mail that filed a ticket (``ticket_message_id`` None) or became one of its
    messages."""

    id: uuid.UUID
    outcome: str
    ticket_message_id: uuid.UUID | None
    defects: list[str]


async def mail_of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[MailSource]:
    """The mail that reached a ticket, without its bytes, in order of arrival."""
    query = (
        select(
            inbound_mail.c.id,
            inbound_mail.c.outcome,
            inbound_mail.c.ticket_message_id,
            inbound_mail.c.defects,
        )
        .where(inbound_mail.c.ticket_id == ticket_id)
        .order_by(inbound_mail.c.received_at, inbound_mail.c.id)
    )
    return [
        MailSource(
            id=row.id,
            outcome=row.outcome,
            ticket_message_id=row.ticket_message_id,
            defects=list(row.defects),
        )
        for row in await session.execute(query)
    ]
