"""What the console was told to show staff: each person's notices (``staff.notified``), whose
address a token is (``staff.registered``), and the queue's changes, for the live pages.

These are the console's own records of what to show, not business data: the ticket a notice
names is read from intake when the agent opens it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.console import tables
from shared.contracts.events import StaffNotified, StaffRegistered
from shared.db import Database, execute_count, insert_ignoring_conflicts, upsert, wake_after_commit

# The commit hook's topic: a replica's live streams are woken the moment it stores a change.
LIVE = "live"
QUEUE = "queue"
# Kept this long, read or not: the page shows the recent ones, the tickets stay at intake.
RETENTION_DAYS = 30
PAGE_SIZE = 100

_notice = tables.staff_notice
_address = tables.staff_address
_signal = tables.live_signal


@dataclass(frozen=True)
class Notice:
    seq: int
    kind: str
    ticket_id: uuid.UUID
    number: str
    escalation_id: uuid.UUID | None
    target: str | None
    due_at: datetime | None
    by_mail: bool
    notified_at: datetime
    read: bool


@dataclass(frozen=True)
class Mark:
    """Where a replica's live streams stand: the newest notice and the queue's version."""

    seq: int
    queue: int


async def record(session: AsyncSession, notice: StaffNotified) -> bool:
    """Keep a notice for its person; False if it was kept already (a redelivery)."""
    added = insert_ignoring_conflicts(
        session,
        _notice,
        ["notification_id"],
        notification_id=notice.notification_id,
        email=notice.email.lower(),
        staff_id=notice.staff_id,
        kind=notice.kind.value,
        ticket_id=notice.ticket_id,
        number=notice.number,
        escalation_id=notice.escalation_id,
        target=notice.target,
        due_at=notice.due_at,
        by_mail=notice.by_mail,
        notified_at=notice.notified_at,
    )
    if await execute_count(session, added) != 1:
        return False
    wake_after_commit(session, LIVE)
    return True


async def remember_address(session: AsyncSession, registered: StaffRegistered) -> None:
    statement = upsert(session, _address).values(
        credential_id=registered.credential_id,
        email=registered.email.lower(),
        expires_at=registered.expires_at,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["credential_id"],
            set_={"email": statement.excluded.email, "expires_at": statement.excluded.expires_at},
        )
    )


async def queue_changed(session: AsyncSession) -> None:
    """Bump the queue's version: every replica's queue pages fetch their rows again."""
    now = datetime.now(UTC)
    statement = upsert(session, _signal).values(name=QUEUE, version=1, changed_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"version": _signal.c.version + 1, "changed_at": now},
        )
    )
    wake_after_commit(session, LIVE)


def _mine(credential_id: uuid.UUID) -> ColumnElement[bool]:
    """The person's notices: by the address of the session's token, or, before the console
    heard of that token, by the staff id the notifier addressed."""
    address = select(_address.c.email).where(_address.c.credential_id == credential_id)
    return or_(_notice.c.email.in_(address.scalar_subquery()), _notice.c.staff_id == credential_id)


# A notice as read back, its columns in the order of Notice's fields.
_NOTICE = select(
    _notice.c.seq,
    _notice.c.kind,
    _notice.c.ticket_id,
    _notice.c.number,
    _notice.c.escalation_id,
    _notice.c.target,
    _notice.c.due_at,
    _notice.c.by_mail,
    _notice.c.notified_at,
    _notice.c.read_at.is_not(None),
)


async def newest(db: Database, credential_id: uuid.UUID, limit: int = PAGE_SIZE) -> list[Notice]:
    async with db.sessions() as session:
        rows = await session.execute(
            _NOTICE.where(_mine(credential_id)).order_by(_notice.c.seq.desc()).limit(limit)
        )
        return [Notice(*row) for row in rows]


async def after(db: Database, credential_id: uuid.UUID, seq: int) -> list[Notice]:
    """The person's notices newer than ``seq``, oldest first (what a live stream sends next)."""
    async with db.sessions() as session:
        rows = await session.execute(
            _NOTICE.where(_mine(credential_id), _notice.c.seq > seq)
            .order_by(_notice.c.seq)
            .limit(PAGE_SIZE)
        )
        return [Notice(*row) for row in rows]


async def unread(db: Database, credential_id: uuid.UUID) -> int:
    async with db.sessions() as session:
        query = (
            select(func.count())
            .select_from(_notice)
            .where(_mine(credential_id), _notice.c.read_at.is_(None))
        )
        return int((await session.execute(query)).scalar_one())


async def mark_all_read(db: Database, credential_id: uuid.UUID, up_to: int | None = None) -> int:
    """Mark the person's notices read (those up to ``up_to``, the newest the page showed, so
    that one arriving meanwhile stays unread); how many were unread."""
    condition = [_mine(credential_id), _notice.c.read_at.is_(None)]
    if up_to is not None:
        condition.append(_notice.c.seq <= up_to)
    async with db.transaction() as session:
        return await execute_count(
            session, update(_notice).where(*condition).values(read_at=datetime.now(UTC))
        )


async def mark(db: Database) -> Mark:
    """The replica's newest notice and the queue's version: two cheap indexed reads."""
    async with db.sessions() as session:
        seq = (await session.execute(select(func.max(_notice.c.seq)))).scalar_one()
        version = (
            await session.execute(select(_signal.c.version).where(_signal.c.name == QUEUE))
        ).scalar_one_or_none()
    return Mark(int(seq or 0), int(version or 0))


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Notices past RETENTION_DAYS and addresses of expired tokens."""
    old = await execute_count(
        session,
        delete(_notice).where(_notice.c.notified_at < now - timedelta(days=RETENTION_DAYS)),
    )
    gone = await execute_count(session, delete(_address).where(_address.c.expires_at < now))
    return old + gone
