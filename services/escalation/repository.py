"""Every query of the escalation service; what it reads comes back as frozen records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
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


@dataclass(frozen=True)
class Ticket:
    """What this service knows of a ticket, from ticket.created."""

    ticket_id: uuid.UUID
    number: str
    channel: str
    category: str | None
    received_at: datetime


@dataclass(frozen=True)
class Escalation:
    id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    status: str
    source: str
    opened_at: datetime
    assignee_id: uuid.UUID | None
    assigned_at: datetime | None
    closed_by: uuid.UUID | None
    closed_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class Reason:
    """A request, breach or complaint that asked for an escalation's review."""

    id: uuid.UUID
    escalation_id: uuid.UUID
    source: str
    reason: str
    event_id: str | None
    added_at: datetime


@dataclass(frozen=True)
class Incident:
    id: uuid.UUID
    title: str
    summary: str
    status: str
    declared_by: uuid.UUID
    declared_at: datetime
    resolved_by: uuid.UUID | None
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True)
class IncidentUpdate:
    id: uuid.UUID
    incident_id: uuid.UUID
    text: str
    posted_by: uuid.UUID
    posted_at: datetime


@dataclass(frozen=True)
class Forward:
    """A bug forwarded to development, and where it is."""

    id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    summary: str
    requested_by: uuid.UUID
    requested_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    tracker_reference: str | None
    release: str | None
    released_at: datetime | None


R = TypeVar("R")


def _columns(table: Table, record: type[Any]) -> list[Column[Any]]:
    """The columns a record is read from, in its fields' order and named by them: a field that
    names no column fails at import, and a reordered table cannot shift the values."""
    return [table.c[f.name] for f in fields(record)]


_TICKET = _columns(ticket, Ticket)
_ESCALATION = _columns(escalation, Escalation)
_REASON = _columns(escalation_reason, Reason)
_INCIDENT = _columns(incident, Incident)
_INCIDENT_UPDATE = _columns(incident_update, IncidentUpdate)
_FORWARD = _columns(forward, Forward)


async def _first(session: AsyncSession, query: Select[Any], record: Callable[..., R]) -> R | None:
    """The record of the query's first row (its columns the record's fields, in order)."""
    row = (await session.execute(query)).first()
    return None if row is None else record(*row)


async def _every(session: AsyncSession, query: Select[Any], record: Callable[..., R]) -> list[R]:
    return [record(*row) for row in (await session.execute(query)).all()]


async def _insert_unless_active(
    session: AsyncSession, table: Table, where: ColumnElement[bool], values: Mapping[str, object]
) -> bool:
    """INSERT … ON CONFLICT (ticket_id) WHERE <active> DO NOTHING: False if one is active.

    The partial unique index decides, so two concurrent inserts cannot both win.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=["ticket_id"], index_where=where)
    )
    return await execute_count(session, statement) == 1


# -- tickets ----------------------------------------------------------------------------------


async def add_ticket(
    session: AsyncSession,
    *,
    ticket_id: uuid.UUID,
    number: str,
    channel: str,
    category: str | None,
    received_at: datetime,
) -> None:
    statement = insert_ignoring_conflicts(
        session,
        ticket,
        ["ticket_id"],
        ticket_id=ticket_id,
        number=number,
        channel=channel,
        category=category,
        received_at=received_at,
    )
    await session.execute(statement)


async def set_category(session: AsyncSession, ticket_id: uuid.UUID, category: str) -> bool:
    """False if the ticket's ticket.created has not been handled here yet."""
    statement = update(ticket).where(ticket.c.ticket_id == ticket_id).values(category=category)
    return await execute_count(session, statement) == 1


async def get_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> Ticket | None:
    query = select(*_TICKET).where(ticket.c.ticket_id == ticket_id)
    return await _first(session, query, Ticket)


async def known_tickets(session: AsyncSession, ticket_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    query = select(ticket.c.ticket_id).where(ticket.c.ticket_id.in_(ticket_ids))
    return set((await session.execute(query)).scalars())


# -- escalations ------------------------------------------------------------------------------


async def insert_open_escalation(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    ticket_id: uuid.UUID,
    number: str,
    source: EscalationSource,
    opened_at: datetime,
) -> bool:
    """Open an escalation unless the ticket already has one that is not closed."""
    values = {
        "id": id,
        "ticket_id": ticket_id,
        "number": number,
        "source": source,
        "opened_at": opened_at,
        "status": Status.open,
    }
    return await _insert_unless_active(
        session, escalation, escalation.c.closed_at.is_(None), values
    )


async def open_escalation_of(session: AsyncSession, ticket_id: uuid.UUID) -> Escalation | None:
    query = (
        select(*_ESCALATION)
        .where(escalation.c.ticket_id == ticket_id, escalation.c.closed_at.is_(None))
        .with_for_update()
    )
    return await _first(session, query, Escalation)


async def add_reason(
    session: AsyncSession,
    *,
    escalation_id: uuid.UUID,
    source: EscalationSource,
    reason: str,
    event_id: str | None,
    added_at: datetime,
) -> None:
    await session.execute(
        escalation_reason.insert().values(
            id=uuid.uuid4(),
            escalation_id=escalation_id,
            source=source,
            reason=reason,
            event_id=event_id,
            added_at=added_at,
        )
    )


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
) -> Escalation | None:
    query = select(*_ESCALATION).where(escalation.c.id == escalation_id)
    if lock:
        query = query.with_for_update(skip_locked=skip_locked)
    return await _first(session, query, Escalation)


async def reasons_of(
    session: AsyncSession, escalation_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Reason]]:
    ids = list(escalation_ids)
    found: dict[uuid.UUID, list[Reason]] = {escalation_id: [] for escalation_id in ids}
    if not ids:
        return found
    query = (
        select(*_REASON)
        .where(escalation_reason.c.escalation_id.in_(ids))
        .order_by(escalation_reason.c.added_at, escalation_reason.c.id)
    )
    for reason in await _every(session, query, Reason):
        found[reason.escalation_id].append(reason)
    return found


async def list_escalations(
    session: AsyncSession,
    statuses: Sequence[Status],
    *,
    ticket_id: uuid.UUID | None,
    limit: int,
    source: EscalationSource | None = None,
) -> list[Escalation]:
    """Strictly by arrival: the oldest first, whoever asked (clause 7). ``source``: those
    with a reason of that kind, whichever opened them (a complaint may join a request)."""
    query = (
        select(*_ESCALATION)
        .where(escalation.c.status.in_([s.value for s in statuses]))
        .order_by(escalation.c.opened_at, escalation.c.id)
        .limit(limit)
    )
    if ticket_id is not None:
        query = query.where(escalation.c.ticket_id == ticket_id)
    if source is not None:
        query = query.where(
            exists().where(
                escalation_reason.c.escalation_id == escalation.c.id,
                escalation_reason.c.source == source.value,
            )
        )
    return await _every(session, query, Escalation)


async def next_open_escalation(session: AsyncSession, *, skip_locked: bool) -> Escalation | None:
    query = (
        select(*_ESCALATION)
        .where(escalation.c.status == Status.open)
        .order_by(escalation.c.opened_at, escalation.c.id)
        .limit(1)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return await _first(session, query, Escalation)


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


async def insert_incident(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    title: str,
    summary: str,
    declared_by: uuid.UUID,
    declared_at: datetime,
) -> None:
    await session.execute(
        incident.insert().values(
            id=id,
            title=title,
            summary=summary,
            declared_by=declared_by,
            declared_at=declared_at,
            status=IncidentStatus.open,
        )
    )


async def get_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, lock: bool = False
) -> Incident | None:
    query = select(*_INCIDENT).where(incident.c.id == incident_id)
    if lock:
        query = query.with_for_update()
    return await _first(session, query, Incident)


async def list_incidents(
    session: AsyncSession, status: IncidentStatus | None, *, limit: int
) -> list[Incident]:
    query = select(*_INCIDENT).order_by(incident.c.declared_at.desc(), incident.c.id).limit(limit)
    if status is not None:
        query = query.where(incident.c.status == status)
    return await _every(session, query, Incident)


async def open_incidents(
    session: AsyncSession, ticket_id: uuid.UUID | None, *, limit: int
) -> list[Incident]:
    """Incidents in progress, newest first; ``ticket_id``: only those this ticket is linked to."""
    query = (
        select(*_INCIDENT)
        .where(incident.c.status == IncidentStatus.open)
        .order_by(incident.c.declared_at.desc(), incident.c.id)
        .limit(limit)
    )
    if ticket_id is not None:
        linked = select(incident_ticket.c.incident_id).where(
            incident_ticket.c.ticket_id == ticket_id
        )
        query = query.where(incident.c.id.in_(linked.scalar_subquery()))
    return await _every(session, query, Incident)


async def linked_ticket_ids(session: AsyncSession, incident_id: uuid.UUID) -> list[uuid.UUID]:
    query = (
        select(incident_ticket.c.ticket_id)
        .where(incident_ticket.c.incident_id == incident_id)
        .order_by(incident_ticket.c.linked_at, incident_ticket.c.ticket_id)
    )
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class LinkedTicket:
    ticket_id: uuid.UUID
    number: str


async def linked_tickets(session: AsyncSession, incident_id: uuid.UUID) -> list[LinkedTicket]:
    """The linked tickets with the numbers people read, in the order they were linked."""
    query = (
        select(incident_ticket.c.ticket_id, ticket.c.number)
        .join(ticket, ticket.c.ticket_id == incident_ticket.c.ticket_id)
        .where(incident_ticket.c.incident_id == incident_id)
        .order_by(incident_ticket.c.linked_at, incident_ticket.c.ticket_id)
    )
    rows = (await session.execute(query)).all()
    return [LinkedTicket(ticket_id, number) for ticket_id, number in rows]


@dataclass(frozen=True)
class IncidentLink:
    """An incident a ticket is linked to, and since when."""

    incident: Incident
    linked_at: datetime


async def incidents_of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[IncidentLink]:
    query = (
        select(incident, incident_ticket.c.linked_at)
        .join(incident_ticket, incident_ticket.c.incident_id == incident.c.id)
        .where(incident_ticket.c.ticket_id == ticket_id)
        .order_by(incident_ticket.c.linked_at, incident.c.id)
    )
    rows = (await session.execute(query)).all()
    # The row holds the incident's columns, then linked_at.
    return [IncidentLink(Incident(*row[:-1]), row[-1]) for row in rows]


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


async def add_update(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    incident_id: uuid.UUID,
    text: str,
    posted_by: uuid.UUID,
    posted_at: datetime,
) -> None:
    await session.execute(
        incident_update.insert().values(
            id=id, incident_id=incident_id, text=text, posted_by=posted_by, posted_at=posted_at
        )
    )


async def updates_of(session: AsyncSession, incident_id: uuid.UUID) -> list[IncidentUpdate]:
    query = (
        select(*_INCIDENT_UPDATE)
        .where(incident_update.c.incident_id == incident_id)
        .order_by(incident_update.c.posted_at, incident_update.c.id)
    )
    return await _every(session, query, IncidentUpdate)


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


async def insert_forward(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    ticket_id: uuid.UUID,
    number: str,
    summary: str,
    requested_by: uuid.UUID,
    requested_at: datetime,
    next_attempt_at: datetime,
) -> bool:
    """Record a forward unless the ticket already has one in development."""
    values = {
        "id": id,
        "ticket_id": ticket_id,
        "number": number,
        "summary": summary,
        "requested_by": requested_by,
        "requested_at": requested_at,
        "next_attempt_at": next_attempt_at,
        "status": ForwardStatus.pending,
    }
    return await _insert_unless_active(session, forward, forward.c.released_at.is_(None), values)


async def active_forward_of(session: AsyncSession, ticket_id: uuid.UUID) -> Forward | None:
    query = select(*_FORWARD).where(
        forward.c.ticket_id == ticket_id, forward.c.released_at.is_(None)
    )
    return await _first(session, query, Forward)


async def forwards_of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[Forward]:
    query = (
        select(*_FORWARD)
        .where(forward.c.ticket_id == ticket_id)
        .order_by(forward.c.requested_at, forward.c.id)
    )
    return await _every(session, query, Forward)


async def get_forward(session: AsyncSession, forward_id: uuid.UUID) -> Forward | None:
    query = select(*_FORWARD).where(forward.c.id == forward_id)
    return await _first(session, query, Forward)


async def next_due_forward(session: AsyncSession, now: datetime, *, lock: bool) -> Forward | None:
    """The forward whose next try has come; replicas share the work with SKIP LOCKED."""
    query = (
        select(*_FORWARD)
        .where(forward.c.sent_at.is_(None), forward.c.next_attempt_at <= now)
        .order_by(forward.c.next_attempt_at, forward.c.id)
        .limit(1)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return await _first(session, query, Forward)


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
) -> list[Forward]:
    conditions: list[ColumnElement[bool]] = []
    if forward_ids:
        conditions.append(forward.c.id.in_(forward_ids))
    if references:
        conditions.append(forward.c.tracker_reference.in_(references))
    if not conditions:
        return []
    query = (
        select(*_FORWARD)
        .where(or_(*conditions))
        .order_by(forward.c.requested_at, forward.c.id)
        .with_for_update()
    )
    return await _every(session, query, Forward)


async def mark_forwards_released(
    session: AsyncSession, forward_ids: Sequence[uuid.UUID], *, release: str, at: datetime
) -> None:
    await session.execute(
        update(forward)
        .where(forward.c.id.in_(forward_ids), forward.c.released_at.is_(None))
        .values(status=ForwardStatus.released, release=release, released_at=at)
    )
