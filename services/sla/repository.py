"""Every query of the sla service, and the mapping between clock rows and the domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sla.domain.clock import Target, TicketClock
from services.sla.tables import clock, extension, review
from shared.contracts.events import SlaTarget
from shared.db import execute_count, insert_ignoring_conflicts

PREFIX = {SlaTarget.first_response: "fr", SlaTarget.resolution: "res"}
FIELDS = ("budget", "used", "running_since", "met_at", "warned_at", "breached_at")


@dataclass
class ClockRecord:
    """A ticket's clock with what the service knows of the ticket."""

    ticket_id: uuid.UUID
    number: str
    channel: str
    category: str | None
    complexity: str | None
    status: str
    status_changed_at: datetime
    clock_starts_at: datetime
    extension_minutes: int
    clock: TicketClock
    history: list[tuple[datetime, str]]
    first_reply_at: datetime | None
    auto_close_at: datetime | None = None
    auto_close_raised_at: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _target(row: Row[Any], name: SlaTarget) -> Target:
    prefix = PREFIX[name]
    values = {field: getattr(row, f"{prefix}_{field}") for field in FIELDS}
    for key in ("running_since", "met_at", "warned_at", "breached_at"):
        values[key] = _aware(values[key])
    return Target(name, **values)


def _record(row: Row[Any]) -> ClockRecord:
    received_at = _aware(row.received_at)
    assert received_at is not None
    return ClockRecord(
        ticket_id=row.ticket_id,
        number=row.number,
        channel=row.channel,
        category=row.category,
        complexity=row.complexity,
        status=row.status,
        status_changed_at=_aware(row.status_changed_at) or received_at,
        clock_starts_at=_aware(row.clock_starts_at) or received_at,
        extension_minutes=row.extension_minutes,
        clock=TicketClock(
            policy_version=row.policy_version,
            received_at=received_at,
            first_response=_target(row, SlaTarget.first_response),
            resolution=_target(row, SlaTarget.resolution),
            paused_at=_aware(row.paused_at),
        ),
        history=[(datetime.fromisoformat(at), status) for at, status in row.status_history],
        first_reply_at=_aware(row.first_reply_at),
        auto_close_at=row.auto_close_at,
        auto_close_raised_at=row.auto_close_raised_at,
    )


def _values(record: ClockRecord, due: dict[SlaTarget, datetime | None]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "number": record.number,
        "channel": record.channel,
        "category": record.category,
        "policy_version": record.clock.policy_version,
        "received_at": record.clock.received_at,
        "clock_starts_at": record.clock_starts_at,
        "complexity": record.complexity,
        "status": record.status,
        "status_changed_at": record.status_changed_at,
        "paused_at": record.clock.paused_at,
        "extension_minutes": record.extension_minutes,
        "status_history": [[at.isoformat(), status] for at, status in record.history],
        "first_reply_at": record.first_reply_at,
        "auto_close_at": record.auto_close_at,
        "auto_close_raised_at": record.auto_close_raised_at,
    }
    for target in record.clock.targets:
        prefix = PREFIX[target.name]
        for field in FIELDS:
            values[f"{prefix}_{field}"] = getattr(target, field)
        values[f"{prefix}_due_at"] = due[target.name]
    return values


async def get_clock(
    session: AsyncSession, ticket_id: uuid.UUID, *, lock: bool = False
) -> ClockRecord | None:
    query = select(clock).where(clock.c.ticket_id == ticket_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return _record(row) if row else None


async def insert_clock(
    session: AsyncSession,
    record: ClockRecord,
    due: dict[SlaTarget, datetime | None],
    next_check_at: datetime | None,
) -> None:
    await session.execute(
        clock.insert().values(
            ticket_id=record.ticket_id, next_check_at=next_check_at, **_values(record, due)
        )
    )


async def save_clock(
    session: AsyncSession,
    record: ClockRecord,
    due: dict[SlaTarget, datetime | None],
    next_check_at: datetime | None,
) -> None:
    await session.execute(
        update(clock)
        .where(clock.c.ticket_id == record.ticket_id)
        .values(next_check_at=next_check_at, **_values(record, due))
    )


async def clocks_due(
    session: AsyncSession, now: datetime, *, limit: int, lock: bool
) -> list[ClockRecord]:
    """Clocks whose next check has come, through the partial index: cost grows with what is
    due, not with what is open. Replicas share the work with SKIP LOCKED."""
    query = (
        select(clock)
        .where(clock.c.next_check_at.isnot(None), clock.c.next_check_at <= now)
        .order_by(clock.c.next_check_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return [_record(row) for row in (await session.execute(query)).all()]


async def add_extension(session: AsyncSession, **values: Any) -> None:
    await session.execute(extension.insert().values(id=uuid.uuid4(), **values))


@dataclass
class ReviewRecord:
    """A senior's review of an escalation, with its target."""

    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    policy_version: str
    target: Target


def _review(row: Row[Any]) -> ReviewRecord:
    closed = row.closed_at
    target = Target(
        SlaTarget.escalation_review,
        row.budget,
        used=row.business_minutes or 0,
        running_since=None if closed else row.opened_at,
        met_at=closed,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
    )
    return ReviewRecord(row.escalation_id, row.ticket_id, row.number, row.policy_version, target)


async def insert_review(session: AsyncSession, **values: Any) -> bool:
    statement = insert_ignoring_conflicts(session, review, ["escalation_id"], **values)
    return await execute_count(session, statement) == 1


async def get_review(
    session: AsyncSession, escalation_id: uuid.UUID, *, lock: bool = False
) -> ReviewRecord | None:
    query = select(review).where(review.c.escalation_id == escalation_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return _review(row) if row else None


async def save_review(
    session: AsyncSession, record: ReviewRecord, next_check_at: datetime | None
) -> None:
    target = record.target
    await session.execute(
        update(review)
        .where(review.c.escalation_id == record.escalation_id)
        .values(
            closed_at=target.met_at,
            business_minutes=target.used if target.met_at else None,
            warned_at=target.warned_at,
            breached_at=target.breached_at,
            next_check_at=next_check_at,
        )
    )


async def reviews_due(
    session: AsyncSession, now: datetime, *, limit: int, lock: bool
) -> list[ReviewRecord]:
    query = (
        select(review)
        .where(review.c.next_check_at.isnot(None), review.c.next_check_at <= now)
        .order_by(review.c.next_check_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return [_review(row) for row in (await session.execute(query)).all()]
