"""Every query of the intake service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import customer, idempotency_key, ticket
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
