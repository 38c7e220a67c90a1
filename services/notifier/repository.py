"""Every query of the notifier service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier.domain.notifications import Contact
from services.notifier.tables import delivery, ticket_contact
from shared.db import execute_count, insert_ignoring_conflicts

PENDING, SENT, FAILED = "pending", "sent", "failed"


async def add_delivery(session: AsyncSession, **values: Any) -> bool:
    """Record a message to send; False when this event already gave this recipient one."""
    statement = insert_ignoring_conflicts(
        session,
        delivery,
        ["event_id", "channel", "recipient"],
        id=uuid.uuid4(),
        status=PENDING,
        **values,
    )
    return await execute_count(session, statement) == 1


async def due_deliveries(
    session: AsyncSession, now: datetime, *, limit: int, lock: bool
) -> list[Row[Any]]:
    query = (
        select(delivery)
        .where(delivery.c.status == PENDING, delivery.c.next_attempt_at <= now)
        .order_by(delivery.c.next_attempt_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list((await session.execute(query)).all())


async def mark_sent(
    session: AsyncSession, delivery_id: uuid.UUID, *, message_id: str, at: datetime
) -> None:
    await session.execute(
        update(delivery)
        .where(delivery.c.id == delivery_id)
        .values(
            status=SENT,
            message_id=message_id,
            sent_at=at,
            attempts=delivery.c.attempts + 1,
            last_error=None,
        )
    )


async def mark_failed_attempt(
    session: AsyncSession, delivery_id: uuid.UUID, *, error: str, retry_at: datetime | None
) -> None:
    values: dict[str, Any] = {"attempts": delivery.c.attempts + 1, "last_error": error[:2000]}
    if retry_at is None:
        values["status"] = FAILED
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(update(delivery).where(delivery.c.id == delivery_id).values(**values))


async def deliveries_for_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[Row[Any]]:
    query = (
        select(delivery).where(delivery.c.ticket_id == ticket_id).order_by(delivery.c.created_at)
    )
    return list((await session.execute(query)).all())


async def save_contact(session: AsyncSession, ticket_id: uuid.UUID, contact: Contact) -> None:
    values = {
        "number": contact.number,
        "email": contact.email,
        "name": contact.name,
        "language": contact.language,
        "subject": contact.subject,
    }
    statement = insert_ignoring_conflicts(
        session, ticket_contact, ["ticket_id"], ticket_id=ticket_id, **values
    )
    if not await execute_count(session, statement):
        await session.execute(
            update(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id).values(**values)
        )


async def get_contact(session: AsyncSession, ticket_id: uuid.UUID) -> Contact | None:
    query = select(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id)
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return Contact(row.number, row.email, row.name, row.language, row.subject)
