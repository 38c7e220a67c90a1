"""The queries of inbound mail (``inbound_mail``): the record of every message that reached
the support address, by its fingerprint, its sender, its outcome and its ticket.

Kept in the mail feature rather than beside the tickets' queries so the mail channel's
queries read together. The ticket a reply names is read through ``tickets.queries``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import inbound_mail, ticket
from shared.db import execute_count
from shared.outbox import PURGE_BATCH


@dataclass(frozen=True, slots=True)
class SeenMail:
    """A recorded message, as a resend of it is answered: its outcome and its ticket."""

    id: uuid.UUID
    outcome: str
    reason: str | None
    ticket_id: uuid.UUID | None
    number: int | None  # the ticket's sequence number


@dataclass(frozen=True, slots=True)
class InboundMailRecord:
    """A recorded message without its bytes (the columns of ``inbound_mail`` but ``raw``)."""

    id: uuid.UUID
    fingerprint: str
    received_at: datetime
    via: str
    envelope_sender: str | None
    recipients: list[str]
    sender: str | None
    message_id: str | None
    subject: str
    outcome: str
    reason: str | None
    defects: list[str]
    ticket_id: uuid.UUID | None
    ticket_message_id: uuid.UUID | None
    size: int


@dataclass(frozen=True, slots=True)
class NewInboundMail(InboundMailRecord):
    """One message to record: its row, with its raw bytes."""

    raw: bytes


_RECORD_COLUMNS = [inbound_mail.c[f.name] for f in fields(InboundMailRecord)]


async def by_fingerprint(session: AsyncSession, fingerprint: str) -> SeenMail | None:
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
    row = (await session.execute(query)).first()
    return None if row is None else SeenMail(*row)


async def count_from(session: AsyncSession, sender: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(inbound_mail)
        .where(inbound_mail.c.sender == sender, inbound_mail.c.received_at >= since)
    )
    return int((await session.execute(query)).scalar_one())


async def add(session: AsyncSession, mail: NewInboundMail) -> None:
    values = {f.name: getattr(mail, f.name) for f in fields(mail)}
    await session.execute(inbound_mail.insert().values(values))


async def with_outcome(session: AsyncSession, outcome: str, limit: int) -> list[InboundMailRecord]:
    """Recorded messages of one outcome, newest first, without their bytes."""
    query = (
        select(*_RECORD_COLUMNS)
        .where(inbound_mail.c.outcome == outcome)
        .order_by(inbound_mail.c.received_at.desc(), inbound_mail.c.id)
        .limit(limit)
    )
    return [InboundMailRecord(*row) for row in await session.execute(query)]


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


@dataclass(frozen=True, slots=True)
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
