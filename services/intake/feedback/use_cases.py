"""Feedback and suggestions from anyone, without a ticket (clauses 13, 27), and staff's
progress with each: every piece is read by someone, and the sender hears it arrived."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from services.intake.domain.tickets import format_number
from services.intake.feedback import queries
from services.intake.feedback.schemas import (
    FeedbackIn,
    FeedbackItemOut,
    FeedbackOut,
    FeedbackStatusIn,
)
from services.intake.tickets.schemas import RatingItemOut
from services.intake.tickets.use_cases import publish
from shared.contracts.events import (
    FeedbackKind,
    FeedbackReceived,
    FeedbackStatus,
    FeedbackStatusChanged,
)
from shared.errors import NotFoundError
from shared.runtime import ServiceRuntime


class FeedbackNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such feedback: check the id in the list GET /v1/feedback.")


async def leave_feedback(runtime: ServiceRuntime, request: FeedbackIn) -> FeedbackOut:
    """Keep it for staff, and tell the notifier, which acknowledges it to a given address."""
    feedback_id, now = uuid.uuid4(), datetime.now(UTC)
    email = request.email.lower() if request.email else None
    async with runtime.db.transaction() as session:
        await queries.add_feedback(
            session,
            id=feedback_id,
            kind=request.kind,
            text=request.text,
            email=email,
            created_at=now,
        )
        await publish(
            runtime,
            session,
            feedback_id,
            FeedbackReceived(
                feedback_id=feedback_id,
                kind=request.kind,
                email=email,
                language=request.language,
                received_at=now,
            ),
        )
    return FeedbackOut(id=feedback_id, kind=request.kind, received_at=now)


async def list_feedback(
    runtime: ServiceRuntime,
    *,
    status: FeedbackStatus | None,
    kind: FeedbackKind | None,
    limit: int,
) -> list[FeedbackItemOut]:
    async with runtime.db.sessions() as session:
        rows = await queries.list_feedback(session, status=status, kind=kind, limit=limit)
    return [_item(row) for row in rows]


async def set_status(
    runtime: ServiceRuntime, feedback_id: uuid.UUID, request: FeedbackStatusIn
) -> FeedbackItemOut:
    """Mark a piece read, answered or planned; setting the status it has changes nothing."""
    now = datetime.now(UTC)
    async with runtime.db.transaction() as session:
        row = await queries.get_feedback_for_update(session, feedback_id)
        if row is None:
            raise FeedbackNotFoundError()
        if row.status == request.status:
            return _item(row)
        await queries.set_feedback_status(session, feedback_id, request.status, now)
        await publish(
            runtime,
            session,
            feedback_id,
            FeedbackStatusChanged(
                feedback_id=feedback_id,
                kind=FeedbackKind(row.kind),
                from_status=FeedbackStatus(row.status),
                to_status=request.status,
                changed_at=now,
            ),
        )
    return _item(row, status=request.status, changed_at=now)


async def list_ratings(
    runtime: ServiceRuntime, *, max_score: int, limit: int
) -> list[RatingItemOut]:
    """Customers' ratings across tickets, newest first, comments included (staff)."""
    async with runtime.db.sessions() as session:
        rows = await queries.list_ratings(session, max_score=max_score, limit=limit)
    return [
        RatingItemOut(
            id=row.id,
            ticket_id=row.ticket_id,
            number=format_number(row.number),
            score=row.score,
            comment=row.comment,
            rated_at=row.rated_at,
            resolved_at=row.resolved_at,
        )
        for row in rows
    ]


def _item(
    row: Row[Any], *, status: FeedbackStatus | None = None, changed_at: datetime | None = None
) -> FeedbackItemOut:
    return FeedbackItemOut(
        id=row.id,
        kind=FeedbackKind(row.kind),
        text=row.text,
        email=row.email,
        status=status or FeedbackStatus(row.status),
        received_at=row.created_at,
        status_changed_at=changed_at or row.status_changed_at,
    )
