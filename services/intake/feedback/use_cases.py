"""Feedback and suggestions from anyone, without a ticket (clauses 13, 27), and staff's
progress with each: every piece is read by someone, and the sender hears it arrived."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.intake.domain.tickets import format_number
from services.intake.feedback import queries
from services.intake.feedback.queries import FeedbackRecord
from services.intake.feedback.schemas import (
    FeedbackIn,
    FeedbackItemOut,
    FeedbackOut,
    FeedbackStatusIn,
)
from services.intake.tickets.schemas import RatingItemOut
from shared.contracts.events import (
    FeedbackKind,
    FeedbackReceived,
    FeedbackStatus,
    FeedbackStatusChanged,
)
from shared.errors import NotFoundError
from shared.unit_of_work import UnitOfWork


class FeedbackNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such feedback: check the id in the list GET /v1/feedback.")


async def leave_feedback(uow: UnitOfWork, request: FeedbackIn) -> FeedbackOut:
    """Keep it for staff, and tell the notifier, which acknowledges it to a given address."""
    feedback_id, now = uuid.uuid4(), datetime.now(UTC)
    email = request.email.lower() if request.email else None
    await queries.add_feedback(
        uow.session,
        id=feedback_id,
        kind=request.kind,
        text=request.text,
        email=email,
        created_at=now,
    )
    await uow.stage(
        FeedbackReceived(
            feedback_id=feedback_id,
            kind=request.kind,
            email=email,
            language=request.language,
            received_at=now,
        ),
        subject=feedback_id,
    )
    return FeedbackOut(id=feedback_id, kind=request.kind, received_at=now)


async def list_feedback(
    uow: UnitOfWork,
    *,
    status: FeedbackStatus | None,
    kind: FeedbackKind | None,
    limit: int,
) -> list[FeedbackItemOut]:
    found = await queries.list_feedback(uow.session, status=status, kind=kind, limit=limit)
    return [_item(record) for record in found]


async def set_status(
    uow: UnitOfWork, feedback_id: uuid.UUID, request: FeedbackStatusIn
) -> FeedbackItemOut:
    """Mark a piece read, answered or planned; setting the status it has changes nothing."""
    now = datetime.now(UTC)
    record = await queries.get_feedback_for_update(uow.session, feedback_id)
    if record is None:
        raise FeedbackNotFoundError()
    if record.status == request.status:
        return _item(record)
    await queries.set_feedback_status(uow.session, feedback_id, request.status, now)
    await uow.stage(
        FeedbackStatusChanged(
            feedback_id=feedback_id,
            kind=FeedbackKind(record.kind),
            from_status=FeedbackStatus(record.status),
            to_status=request.status,
            changed_at=now,
        ),
        subject=feedback_id,
    )
    return _item(record, status=request.status, changed_at=now)


async def list_ratings(uow: UnitOfWork, *, max_score: int, limit: int) -> list[RatingItemOut]:
    """Customers' ratings across tickets, newest first, comments included (staff)."""
    rows = await queries.list_ratings(uow.session, max_score=max_score, limit=limit)
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
    row: FeedbackRecord,
    *,
    status: FeedbackStatus | None = None,
    changed_at: datetime | None = None,
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
