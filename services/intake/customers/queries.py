"""Queries: a customer's open tickets, for a new access link (issue 17)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    customer,
    ticket,
)


@dataclass(frozen=True, slots=True)
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
    return [AccessTicketRecord(*row) for row in rows]


async def set_access_token_hash(session: AsyncSession, ticket_id: uuid.UUID, hashed: str) -> None:
    """The ticket's new key (its hash): the one before it opens it no more."""
    await session.execute(
        update(ticket).where(ticket.c.id == ticket_id).values(access_token_hash=hashed)
    )
