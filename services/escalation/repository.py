"""Every query of the escalation service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.escalation.domain.development import ForwardStatus
from services.escalation.domain.escalations import Status
from services.escalation.domain.incidents import Status as IncidentStatus
from services.escalation.tables import (
    escalation,
    escalation_reason,
    forward,
    incident,
    incident_ticket,
    incident_update,
    ticket,
)
from shared.contracts.events import EscalationSource
from shared.db import execute_count, insert_ignoring_conflicts


async def _insert_unless_active(
    session: AsyncSession, table: Table, where: ColumnElement[bool], **values: Any
) -> bool:
    """INSERT … ON CONFLICT (ticket_id) WHERE <active> DO NOTHING: False if one is active.

    The partial unique index decides, so two concurrent inserts cannot both win.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["ticket_id"], index_where=where)
    )
    return await execute_count(session, statement) == 1


# -- tickets ----------------------------------------------------------------------------------


async def add_ticket(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert_ignoring_conflicts(session, ticket, ["ticket_id"], **values))


async def set_category(session: AsyncSession, ticket_id: uuid.UUID, category: str) -> bool:
    """False if the ticket's ticket.created has not been handled here yet."""
    statement = update(ticket).where(ticket.c.ticket_id == ticket_id).values(category=category)
    return await execute_count(session, statement) == 1


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(ticket).where(ticket.c.ticket_id == ticket_id))).first()


async def known_tickets(session: AsyncSession, ticket_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    query = select(ticket.c.ticket_id).where(ticket.c.ticket_id.in_(ticket_ids))
    return set((await session.execute(query)).scalars())


# -- escalations ------------------------------------------------------------------------------


async def insert_open_escalation(session: AsyncSession, **values: Any) -> bool:
    """Open an escalation unless the ticket already has one that is not closed."""
    return await _insert_unless_active(
        session, escalation, escalation.c.closed_at.is_(None), status=Status.open, **values
    )


async def open_escalation_of(session: AsyncSession, ticket_id: uuid.UUID) -> Row[Any] | None:
    query = (
        select(escalation)
        .where(escalation.c.ticket_id == ticket_id, escalation.c.closed_at.is_(None))
        .with_for_update()
    )
    return (await session.execute(query)).first()


async def add_reason(session: AsyncSession, **values: Any) -> None:
    await session.execute(escalation_reason.insert().values(id=uuid.uuid4(), **values))


async def erase_customer_words(session: AsyncSession, ticket_ids: Sequence[uuid.UUID]) -> int:
    """Blank what the customer of these tickets wrote or was told (clauses 19, 24): their
    requests and complaint subjects, and the outcome of each review. A breach's reason is
    the desk's own text and stays. Idempotent; returns how many reasons were blanked."""
    if not ticket_ids:
        return 0
    theirs = select(escalation.c.id).where(escalation.c.ticket_id.in_(ticket_ids))
    blanked = await execute_count(
        session,
        update(escalation_reason)
        .where(
            escalation_reason.c.escalation_id.in_(theirs),
            escalation_reason.c.source != EscalationSource.sla_breach.value,
            escalation_reason.c.reason != "",
        )
        .values(reason=""),
    )
    await session.execute(
        update(escalation)
        .where(escalation.c.ticket_id.in_(ticket_ids), escalation.c.outcome.is_not(None))
        .values(outcome=None)
    )
    return blanked


async def get_escalation(
    session: AsyncSession,
    escalation_id: uuid.UUID,
    *,
    lock: bool = False,
    skip_locked: bool = False,
) -> Row[Any] | None:
    query = select(escalation).where(escalation.c.id == escalation_id)
    if lock:
        query = query.with_for_update(skip_locked=skip_locked)
    return (await session.execute(query)).first()


async def reasons_of(
    session: AsyncSession, escalation_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    ids = list(escalation_ids)
    found: dict[uuid.UUID, list[Row[Any]]] = {escalation_id: [] for escalation_id in ids}
    if not ids:
        return found
    query = (
        select(escalation_reason)
        .where(escalation_reason.c.escalation_id.in_(ids))
        .order_by(escalation_reason.c.added_at, escalation_reason.c.id)
    )
    for row in (await session.execute(query)).all():
        found[row.escalation_id].append(row)
    return found


async def list_escalations(
    session: AsyncSession,
    statuses: Sequence[Status],
    *,
    ticket_id: uuid.UUID | None,
    limit: int,
) -> list[Row[Any]]:
    """Strictly by arrival: the oldest first, whoever asked (clause 7)."""
    query = (
        select(escalation)
        .where(escalation.c.status.in_([s.value for s in statuses]))
        .order_by(escalation.c.opened_at, escalation.c.id)
        .limit(limit)
    )
    if ticket_id is not None:
        query = query.where(escalation.c.ticket_id == ticket_id)
    return list((await session.execute(query)).all())


async def next_open_escalation(session: AsyncSession, *, skip_locked: bool) -> Row[Any] | None:
    query = (
        select(escalation)
        .where(escalation.c.status == Status.open)
        .order_by(escalation.c.opened_at, escalation.c.id)
        .limit(1)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return (await session.execute(query)).first()


async def mark_assigned(
    session: AsyncSession, escalation_id: uuid.UUID, *, assignee_id: uuid.UUID, at: datetime
) -> bool:
    """Only an escalation still waiting is taken: of two claims at once, one wins."""
    statement = (
        update(escalation)
        .where(escalation.c.id == escalation_id, escalation.c.status == Status.open)
        .values(status=Status.assigned, assignee_id=assignee_id, assigned_at=at)
    )
    return await execute_count(session, statement) == 1


async def mark_closed(
    session: AsyncSession,
    escalation_id: uuid.UUID,
    *,
    closed_by: uuid.UUID,
    outcome: str,
    at: datetime,
) -> bool:
    statement = (
        update(escalation)
        .where(escalation.c.id == escalation_id, escalation.c.closed_at.is_(None))
        .values(status=Status.closed, closed_by=closed_by, outcome=outcome, closed_at=at)
    )
    return await execute_count(session, statement) == 1


# -- incidents --------------------------------------------------------------------------------


async def insert_incident(session: AsyncSession, **values: Any) -> None:
    await session.execute(incident.insert().values(status=IncidentStatus.open, **values))


async def get_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, lock: bool = False
) -> Row[Any] | None:
    query = select(incident).where(incident.c.id == incident_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def list_incidents(
    session: AsyncSession, status: IncidentStatus | None, *, limit: int
) -> list[Row[Any]]:
    query = select(incident).order_by(incident.c.declared_at.desc(), incident.c.id).limit(limit)
    if status is not None:
        query = query.where(incident.c.status == status)
    return list((await session.execute(query)).all())


async def linked_ticket_ids(session: AsyncSession, incident_id: uuid.UUID) -> list[uuid.UUID]:
    query = (
        select(incident_ticket.c.ticket_id)
        .where(incident_ticket.c.incident_id == incident_id)
        .order_by(incident_ticket.c.linked_at, incident_ticket.c.ticket_id)
    )
    return list((await session.execute(query)).scalars())


async def link_tickets(
    session: AsyncSession, incident_id: uuid.UUID, ticket_ids: Sequence[uuid.UUID], at: datetime
) -> list[uuid.UUID]:
    """Link what is not linked yet; returns the tickets linked now. The caller holds the
    incident's row lock, so no one links the same ticket meanwhile."""
    already = set(await linked_ticket_ids(session, incident_id))
    new = [ticket_id for ticket_id in dict.fromkeys(ticket_ids) if ticket_id not in already]
    if new:
        await session.execute(
            incident_ticket.insert(),
            [{"incident_id": incident_id, "ticket_id": t, "linked_at": at} for t in new],
        )
    return new


async def add_update(session: AsyncSession, **values: Any) -> None:
    await session.execute(incident_update.insert().values(**values))


async def updates_of(session: AsyncSession, incident_id: uuid.UUID) -> list[Row[Any]]:
    query = (
        select(incident_update)
        .where(incident_update.c.incident_id == incident_id)
        .order_by(incident_update.c.posted_at, incident_update.c.id)
    )
    return list((await session.execute(query)).all())


async def mark_incident_resolved(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    resolved_by: uuid.UUID,
    resolution: str,
    at: datetime,
) -> bool:
    statement = (
        update(incident)
        .where(incident.c.id == incident_id, incident.c.status == IncidentStatus.open)
        .values(
            status=IncidentStatus.resolved,
            resolved_by=resolved_by,
            resolution=resolution,
            resolved_at=at,
        )
    )
    return await execute_count(session, statement) == 1


# -- forwards to development ------------------------------------------------------------------


async def insert_forward(session: AsyncSession, **values: Any) -> bool:
    """Record a forward unless the ticket already has one in development."""
    return await _insert_unless_active(
        session, forward, forward.c.released_at.is_(None), status=ForwardStatus.pending, **values
    )


async def active_forward_of(session: AsyncSession, ticket_id: uuid.UUID) -> Row[Any] | None:
    query = select(forward).where(forward.c.ticket_id == ticket_id, forward.c.released_at.is_(None))
    return (await session.execute(query)).first()


async def forwards_of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[Row[Any]]:
    query = (
        select(forward)
        .where(forward.c.ticket_id == ticket_id)
        .order_by(forward.c.requested_at, forward.c.id)
    )
    return list((await session.execute(query)).all())


async def get_forward(session: AsyncSession, forward_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(forward).where(forward.c.id == forward_id))).first()


async def next_due_forward(session: AsyncSession, now: datetime, *, lock: bool) -> Row[Any] | None:
    """The forward whose next try has come; replicas share the work with SKIP LOCKED."""
    query = (
        select(forward)
        .where(forward.c.sent_at.is_(None), forward.c.next_attempt_at <= now)
        .order_by(forward.c.next_attempt_at, forward.c.id)
        .limit(1)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return (await session.execute(query)).first()


async def next_forward_due_at(session: AsyncSession) -> datetime | None:
    query = select(func.min(forward.c.next_attempt_at)).where(forward.c.sent_at.is_(None))
    value: datetime | None = (await session.execute(query)).scalar_one()
    return value


async def mark_forward_sent(
    session: AsyncSession, forward_id: uuid.UUID, *, reference: str | None, at: datetime
) -> None:
    # A fix callback may have come before our commit: released stays released.
    status = case(
        (forward.c.released_at.is_not(None), ForwardStatus.released.value),
        else_=ForwardStatus.sent.value,
    )
    await session.execute(
        update(forward)
        .where(forward.c.id == forward_id)
        .values(
            status=status,
            sent_at=at,
            next_attempt_at=None,
            last_error=None,
            attempts=forward.c.attempts + 1,
            tracker_reference=reference,
        )
    )


async def mark_forward_failed(
    session: AsyncSession, forward_id: uuid.UUID, *, error: str, retry_at: datetime
) -> None:
    await session.execute(
        update(forward)
        .where(forward.c.id == forward_id)
        .values(attempts=forward.c.attempts + 1, last_error=error[:2000], next_attempt_at=retry_at)
    )


async def forwards_matching(
    session: AsyncSession, forward_ids: Sequence[uuid.UUID], references: Sequence[str]
) -> list[Row[Any]]:
    conditions: list[ColumnElement[bool]] = []
    if forward_ids:
        conditions.append(forward.c.id.in_(forward_ids))
    if references:
        conditions.append(forward.c.tracker_reference.in_(references))
    if not conditions:
        return []
    query = (
        select(forward)
        .where(or_(*conditions))
        .order_by(forward.c.requested_at, forward.c.id)
        .with_for_update()
    )
    return list((await session.execute(query)).all())


async def mark_forwards_released(
    session: AsyncSession, forward_ids: Sequence[uuid.UUID], *, release: str, at: datetime
) -> None:
    await session.execute(
        update(forward)
        .where(forward.c.id.in_(forward_ids), forward.c.released_at.is_(None))
        .values(status=ForwardStatus.released, release=release, released_at=at)
    )
