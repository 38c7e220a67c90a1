"""Queries: the feedback and the low ratings staff read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    feedback,
    rating,
    ticket,
)


async def list_ratings(session: AsyncSession, *, max_score: int, limit: int) -> Sequence[Row[Any]]:
    """Newest first, with each ticket's number; ``max_score`` finds the unhappy ones."""
    query = (
        select(rating, ticket.c.number)
        .join(ticket, ticket.c.id == rating.c.ticket_id)
        .where(rating.c.score <= max_score)
        .order_by(rating.c.rated_at.desc(), rating.c.id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def add_feedback(session: AsyncSession, **values: Any) -> None:
    await session.execute(feedback.insert().values(**values))


async def list_feedback(
    session: AsyncSession, *, status: str | None, kind: str | None, limit: int
) -> Sequence[Row[Any]]:
    """Newest first: what came in last is what staff have not seen yet."""
    query = select(feedback)
    if status is not None:
        query = query.where(feedback.c.status == status)
    if kind is not None:
        query = query.where(feedback.c.kind == kind)
    query = query.order_by(feedback.c.created_at.desc(), feedback.c.id).limit(limit)
    return (await session.execute(query)).all()


async def get_feedback_for_update(session: AsyncSession, feedback_id: uuid.UUID) -> Row[Any] | None:
    query = select(feedback).where(feedback.c.id == feedback_id).with_for_update()
    return (await session.execute(query)).first()


async def set_feedback_status(
    session: AsyncSession, feedback_id: uuid.UUID, status: str, at: datetime
) -> None:
    await session.execute(
        update(feedback)
        .where(feedback.c.id == feedback_id)
        .values(status=status, status_changed_at=at)
    )
