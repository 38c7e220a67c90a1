"""Queries: the feedback and the low ratings staff read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    feedback,
    rating,
    ticket,
)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A piece of feedback, in the feedback table's column order (built with ``*row``)."""

    id: uuid.UUID
    kind: str
    text: str
    email: str | None
    created_at: datetime
    status: str
    status_changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class RatedTicketRecord:
    """A customer's rating, in the rating table's column order, with its ticket's number."""

    id: uuid.UUID
    ticket_id: uuid.UUID
    resolved_at: datetime
    score: int
    comment: str | None
    rated_at: datetime
    number: int


async def list_ratings(
    session: AsyncSession, *, max_score: int, limit: int
) -> list[RatedTicketRecord]:
    """Newest first, with each ticket's number; ``max_score`` finds the unhappy ones."""
    query = (
        select(rating, ticket.c.number)
        .join(ticket, ticket.c.id == rating.c.ticket_id)
        .where(rating.c.score <= max_score)
        .order_by(rating.c.rated_at.desc(), rating.c.id)
        .limit(limit)
    )
    return [RatedTicketRecord(*row) for row in await session.execute(query)]


async def add_feedback(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    kind: str,
    text: str,
    email: str | None,
    created_at: datetime,
) -> None:
    await session.execute(
        feedback.insert().values(id=id, kind=kind, text=text, email=email, created_at=created_at)
    )


async def list_feedback(
    session: AsyncSession, *, status: str | None, kind: str | None, limit: int
) -> list[FeedbackRecord]:
    """Newest first: what came in last is what staff have not seen yet."""
    query = select(feedback)
    if status is not None:
        query = query.where(feedback.c.status == status)
    if kind is not None:
        query = query.where(feedback.c.kind == kind)
    query = query.order_by(feedback.c.created_at.desc(), feedback.c.id).limit(limit)
    return [FeedbackRecord(*row) for row in await session.execute(query)]


async def get_feedback_for_update(
    session: AsyncSession, feedback_id: uuid.UUID
) -> FeedbackRecord | None:
    query = select(feedback).where(feedback.c.id == feedback_id).with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else FeedbackRecord(*row)


async def set_feedback_status(
    session: AsyncSession, feedback_id: uuid.UUID, status: str, at: datetime
) -> None:
    await session.execute(
        update(feedback)
        .where(feedback.c.id == feedback_id)
        .values(status=status, status_changed_at=at)
    )
