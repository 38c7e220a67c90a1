"""Every query of the sla service, and the mapping between clock rows and the domain."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.sla.domain.backlog import BacklogGroupBy
from services.sla.domain.clock import Target, TicketClock
from services.sla.domain.report import (
    GroupBy,
    GroupFigures,
    TargetFacts,
    TargetFigures,
    TicketFacts,
    aggregate,
    csat_by_group,
    iso_week,
    ordered,
    week_name,
)
from services.sla.tables import (
    FINISHED_STATUSES,
    UNCLAIMED,
    clock,
    extension,
    feedback,
    rating,
    review,
)
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
    category_set_at: datetime | None = None
    complexity_set_at: datetime | None = None


@dataclass(frozen=True)
class _ClockRow:
    """A clock's row as the service reads it back."""

    ticket_id: uuid.UUID
    number: str
    channel: str
    category: str | None
    complexity: str | None
    status: str
    status_changed_at: datetime | None
    clock_starts_at: datetime | None
    extension_minutes: int
    policy_version: str
    received_at: datetime | None
    paused_at: datetime | None
    status_history: list[list[str]]
    first_reply_at: datetime | None
    auto_close_at: datetime | None
    auto_close_raised_at: datetime | None
    category_set_at: datetime | None
    complexity_set_at: datetime | None
    fr_budget: int
    fr_used: int
    fr_running_since: datetime | None
    fr_met_at: datetime | None
    fr_warned_at: datetime | None
    fr_breached_at: datetime | None
    res_budget: int
    res_used: int
    res_running_since: datetime | None
    res_met_at: datetime | None
    res_warned_at: datetime | None
    res_breached_at: datetime | None


# The columns each row type is read from, in its fields' order and named by them: a field that
# names no column fails at import, and a reordered table cannot shift the values.
_CLOCK = [clock.c[f.name] for f in fields(_ClockRow)]


def _record(row: _ClockRow) -> ClockRecord:
    received_at = row.received_at
    assert received_at is not None
    return ClockRecord(
        ticket_id=row.ticket_id,
        number=row.number,
        channel=row.channel,
        category=row.category,
        complexity=row.complexity,
        status=row.status,
        status_changed_at=row.status_changed_at or received_at,
        clock_starts_at=row.clock_starts_at or received_at,
        extension_minutes=row.extension_minutes,
        clock=TicketClock(
            policy_version=row.policy_version,
            received_at=received_at,
            first_response=Target(
                SlaTarget.first_response,
                row.fr_budget,
                used=row.fr_used,
                running_since=row.fr_running_since,
                met_at=row.fr_met_at,
                warned_at=row.fr_warned_at,
                breached_at=row.fr_breached_at,
            ),
            resolution=Target(
                SlaTarget.resolution,
                row.res_budget,
                used=row.res_used,
                running_since=row.res_running_since,
                met_at=row.res_met_at,
                warned_at=row.res_warned_at,
                breached_at=row.res_breached_at,
            ),
            paused_at=row.paused_at,
        ),
        history=[(datetime.fromisoformat(at), status) for at, status in row.status_history],
        first_reply_at=row.first_reply_at,
        auto_close_at=row.auto_close_at,
        auto_close_raised_at=row.auto_close_raised_at,
        category_set_at=row.category_set_at,
        complexity_set_at=row.complexity_set_at,
    )


async def _clocks(session: AsyncSession, query: Select[Any]) -> list[ClockRecord]:
    return [_record(_ClockRow(*row)) for row in (await session.execute(query)).all()]


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
        "category_set_at": record.category_set_at,
        "complexity_set_at": record.complexity_set_at,
    }
    for target in record.clock.targets:
        prefix = PREFIX[target.name]
        for field in FIELDS:
            values[f"{prefix}_{field}"] = getattr(target, field)
        values[f"{prefix}_due_at"] = due[target.name]
    return values


async def _write_lock(session: AsyncSession) -> None:
    """SQLite has no row locks, and its transaction begins only at the first write: a read
    before it could be overwritten by a writer committing in between (a lost update). A write
    that touches nothing takes the database's write lock first; PostgreSQL locks rows."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(clock).where(false()).values(number=clock.c.number))


async def ticket_id_by_number(session: AsyncSession, number: str) -> uuid.UUID | None:
    found = await session.scalar(select(clock.c.ticket_id).where(clock.c.number == number))
    return found if isinstance(found, uuid.UUID) else None


async def get_clock(
    session: AsyncSession, ticket_id: uuid.UUID, *, lock: bool = False
) -> ClockRecord | None:
    query = select(*_CLOCK).where(clock.c.ticket_id == ticket_id)
    if lock:
        await _write_lock(session)
        query = query.with_for_update()
    found = await _clocks(session, query)
    return found[0] if found else None


async def get_clocks(session: AsyncSession, ticket_ids: list[uuid.UUID]) -> list[ClockRecord]:
    """The clocks of these tickets (those it has), in one query: a page of the queue."""
    return await _clocks(session, select(*_CLOCK).where(clock.c.ticket_id.in_(ticket_ids)))


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
        select(*_CLOCK)
        .where(clock.c.next_check_at.isnot(None), clock.c.next_check_at <= now)
        .order_by(clock.c.next_check_at)
        .limit(limit)
    )
    await _write_lock(session)  # the scan writes back what it reads
    if lock:
        query = query.with_for_update(skip_locked=True)
    return await _clocks(session, query)


async def add_extension(
    session: AsyncSession,
    *,
    ticket_id: uuid.UUID,
    business_days: int,
    reason: str,
    agent_id: uuid.UUID,
    created_at: datetime,
) -> None:
    await session.execute(
        extension.insert().values(
            id=uuid.uuid4(),
            ticket_id=ticket_id,
            business_days=business_days,
            reason=reason,
            agent_id=agent_id,
            created_at=created_at,
        )
    )


@dataclass(frozen=True)
class ExtensionRecord:
    """One extension of a ticket's resolution target, with the reason the customer read."""

    id: uuid.UUID
    business_days: int
    reason: str
    agent_id: uuid.UUID
    created_at: datetime


async def extensions_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[ExtensionRecord]:
    query = (
        select(extension)
        .where(extension.c.ticket_id == ticket_id)
        .order_by(extension.c.created_at, extension.c.id)
    )
    return [
        ExtensionRecord(
            id=row.id,
            business_days=row.business_days,
            reason=row.reason,
            agent_id=row.agent_id,
            created_at=row.created_at,
        )
        for row in (await session.execute(query)).all()
    ]


@dataclass(frozen=True)
class ReviewRecord:
    """A senior's review of an escalation, with its target."""

    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    policy_version: str
    target: Target


@dataclass(frozen=True)
class _ReviewRow:
    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    policy_version: str
    opened_at: datetime
    budget: int
    closed_at: datetime | None
    business_minutes: int | None
    warned_at: datetime | None
    breached_at: datetime | None


_REVIEW = [review.c[f.name] for f in fields(_ReviewRow)]


async def _reviews(session: AsyncSession, query: Select[Any]) -> list[ReviewRecord]:
    return [_review(_ReviewRow(*row)) for row in (await session.execute(query)).all()]


def _review(row: _ReviewRow) -> ReviewRecord:
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


async def insert_review(
    session: AsyncSession,
    *,
    escalation_id: uuid.UUID,
    ticket_id: uuid.UUID,
    number: str,
    policy_version: str,
    opened_at: datetime,
    budget: int,
    due_at: datetime | None,
    next_check_at: datetime | None,
) -> bool:
    """Start a review's clock; False if this escalation's review was started already."""
    statement = insert_ignoring_conflicts(
        session,
        review,
        ["escalation_id"],
        escalation_id=escalation_id,
        ticket_id=ticket_id,
        number=number,
        policy_version=policy_version,
        opened_at=opened_at,
        budget=budget,
        due_at=due_at,
        next_check_at=next_check_at,
    )
    return await execute_count(session, statement) == 1


async def get_review(
    session: AsyncSession, escalation_id: uuid.UUID, *, lock: bool = False
) -> ReviewRecord | None:
    query = select(*_REVIEW).where(review.c.escalation_id == escalation_id)
    if lock:
        await _write_lock(session)
        query = query.with_for_update()
    found = await _reviews(session, query)
    return found[0] if found else None


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
        select(*_REVIEW)
        .where(review.c.next_check_at.isnot(None), review.c.next_check_at <= now)
        .order_by(review.c.next_check_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return await _reviews(session, query)


# -- reports (clause 22) --------------------------------------------------------------------


def _per_ticket(table: Any) -> Subquery:
    return select(table.c.ticket_id, func.count().label("n")).group_by(table.c.ticket_id).subquery()


def _received(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(clock.c.received_at >= start, clock.c.received_at < end)


# What a report reads of each target of a clock.
TARGET_COLUMNS = [
    clock.c[f"{prefix}_{field}"]
    for prefix in PREFIX.values()
    for field in ("used", "budget", "met_at", "breached_at")
]


def _report_source(start: datetime, end: datetime, key: ColumnElement[Any] | None) -> Subquery:
    """One row per ticket received in [start, end), with what a report reads of it."""
    escalations, extensions = _per_ticket(review), _per_ticket(extension)
    return (
        select(
            (key if key is not None else null()).label("key"),
            clock.c.received_at,
            clock.c.policy_version,
            *TARGET_COLUMNS,
            func.coalesce(escalations.c.n, 0).label("escalations"),
            func.coalesce(extensions.c.n, 0).label("extensions"),
        )
        .select_from(clock)
        .outerjoin(escalations, escalations.c.ticket_id == clock.c.ticket_id)
        .outerjoin(extensions, extensions.c.ticket_id == clock.c.ticket_id)
        .where(_received(start, end))
        .subquery()
    )


def _target_aggregates(source: Subquery, prefix: str) -> list[ColumnElement[Any]]:
    """SQL of domain.report's definitions: times of met targets (counted, median, p90), met
    in time, breached."""
    used, budget = source.c[f"{prefix}_used"], source.c[f"{prefix}_budget"]
    met = source.c[f"{prefix}_met_at"].isnot(None)
    breached = or_(
        and_(met, used > budget),
        and_(~met, source.c[f"{prefix}_breached_at"].isnot(None)),
    )
    return [
        func.count().filter(met),
        *(
            type_coerce(func.percentile_cont(q).within_group(used).filter(met), Float)
            for q in (0.5, 0.9)
        ),
        func.count().filter(and_(met, used <= budget)),
        func.count().filter(breached),
    ]


def _week_key(zones: Mapping[str, str], default_zone: str) -> ColumnElement[Any]:
    """The Monday starting the ticket's week on the wall clock of its policy version
    (PostgreSQL); grouping on it is cheaper than on a formatted week name."""
    names = set(zones.values())
    zone: ColumnElement[Any]
    if names <= {default_zone}:
        zone = literal(default_zone)
    else:
        zone = case(
            *((clock.c.policy_version == v, z) for v, z in zones.items()), else_=default_zone
        )
    return func.date_trunc("week", func.timezone(zone, clock.c.received_at))


def _label(key: Any) -> str | None:
    if isinstance(key, datetime):  # a week's Monday
        return week_name(key)
    return None if key is None else str(key)


async def sla_report(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    *,
    zones: Mapping[str, str],
    default_zone: str,
) -> list[GroupFigures]:
    """The report's rows: the SLA figures and, beside them, the CSAT of the same tickets."""
    groups = await _target_report(
        session, start, end, group_by, zones=zones, default_zone=default_zone
    )
    csat = csat_by_group(await _rated(session, start, end, group_by, zones, default_zone))
    return [replace(g, csat=csat[g.group]) if g.group in csat else g for g in groups]


async def _rated(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    zones: Mapping[str, str],
    default_zone: str,
) -> list[tuple[str | None, int]]:
    """(group, score) of each rating of a ticket received in [start, end). Ratings are few
    (one per resolution at most), so their rows are grouped here on either backend."""
    key = clock.c[group_by.value] if group_by not in (None, GroupBy.week) else null()
    query = (
        select(key.label("key"), clock.c.received_at, clock.c.policy_version, rating.c.score)
        .select_from(rating.join(clock, rating.c.ticket_id == clock.c.ticket_id))
        .where(_received(start, end))
    )
    tz = {version: ZoneInfo(zone) for version, zone in zones.items()}
    fallback = ZoneInfo(default_zone)
    return [
        (
            iso_week(row.received_at, tz.get(row.policy_version, fallback))
            if group_by is GroupBy.week
            else row.key,
            row.score,
        )
        for row in (await session.execute(query)).all()
    ]


async def add_rating(session: AsyncSession, ticket_id: uuid.UUID, at: datetime, score: int) -> None:
    statement = insert_ignoring_conflicts(
        session, rating, ["ticket_id", "rated_at"], ticket_id=ticket_id, rated_at=at, score=score
    )
    await session.execute(statement)


async def add_feedback(
    session: AsyncSession, feedback_id: uuid.UUID, kind: str, at: datetime
) -> None:
    statement = insert_ignoring_conflicts(
        session, feedback, ["id"], id=feedback_id, kind=kind, received_at=at
    )
    await session.execute(statement)


async def feedback_volume(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Feedback and suggestions received in [start, end), by kind."""
    query = (
        select(feedback.c.kind, func.count())
        .where(feedback.c.received_at >= start, feedback.c.received_at < end)
        .group_by(feedback.c.kind)
    )
    return {kind: int(count) for kind, count in (await session.execute(query)).all()}


async def _target_report(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    *,
    zones: Mapping[str, str],
    default_zone: str,
) -> list[GroupFigures]:
    """The SLA figures. PostgreSQL aggregates in SQL (percentile_cont included), so only a
    row per group leaves the database; elsewhere the tickets' rows are aggregated in Python."""
    if session.get_bind().dialect.name != "postgresql":
        facts = await report_facts(session, start, end, group_by, zones, default_zone)
        return aggregate(facts, grouped=group_by is not None)
    key: ColumnElement[Any] = null()
    if group_by is GroupBy.week:
        key = _week_key(zones, default_zone)
    elif group_by is not None:
        key = clock.c[group_by.value]

    async def per_group(
        table: Any, aggregates: Callable[[Subquery], list[ColumnElement[Any]]]
    ) -> dict[str | None, tuple[Any, ...]]:
        # Grouped by a subquery's column: PostgreSQL would not match a key with bound
        # parameters (the week's) between SELECT and GROUP BY.
        joined = table.join(clock, table.c.ticket_id == clock.c.ticket_id)
        source = (
            select(key.label("key"), *(TARGET_COLUMNS if table is clock else ()))
            .select_from(clock if table is clock else joined)
            .where(_received(start, end))
            .subquery()
        )
        grouped = group_by is not None
        query = select(
            source.c.key if grouped else null(), func.count(), *aggregates(source)
        ).select_from(source)
        if grouped:
            query = query.group_by(source.c.key)
        return {_label(row[0]): tuple(row) for row in (await session.execute(query)).all()}

    totals = await per_group(
        clock, lambda s: [*_target_aggregates(s, "fr"), *_target_aggregates(s, "res")]
    )
    # Escalations and extensions are few: counted from their side, not joined to every clock.
    escalations = await per_group(review, lambda _: [])
    extensions = await per_group(extension, lambda _: [])
    return ordered(
        GroupFigures(
            group=group,
            tickets=row[1],
            first_response=TargetFigures.of(*row[2:7]),
            resolution=TargetFigures.of(*row[7:12]),
            escalations=escalations[group][1] if group in escalations else 0,
            extensions=extensions[group][1] if group in extensions else 0,
        )
        for group, row in totals.items()
    )


async def report_facts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    zones: Mapping[str, str],
    default_zone: str,
) -> Sequence[TicketFacts]:
    """Each ticket's facts for domain.report.aggregate: one narrow row per ticket."""
    key = clock.c[group_by.value] if group_by not in (None, GroupBy.week) else None
    source = _report_source(start, end, key)
    query = select(*(source.c[f.name] for f in fields(_FactsRow)))
    rows = [_FactsRow(*row) for row in (await session.execute(query)).all()]
    tz = {version: ZoneInfo(zone) for version, zone in zones.items()}
    fallback = ZoneInfo(default_zone)
    return [
        TicketFacts(
            key=(
                iso_week(row.received_at, tz.get(row.policy_version, fallback))
                if group_by is GroupBy.week
                else row.key
            ),
            first_response=_facts(row.fr_used, row.fr_budget, row.fr_met_at, row.fr_breached_at),
            resolution=_facts(row.res_used, row.res_budget, row.res_met_at, row.res_breached_at),
            escalations=row.escalations,
            extensions=row.extensions,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class _FactsRow:
    """A row of ``_report_source``, its columns read by these names."""

    key: str | None
    received_at: datetime
    policy_version: str
    fr_used: int
    fr_budget: int
    fr_met_at: datetime | None
    fr_breached_at: datetime | None
    res_used: int
    res_budget: int
    res_met_at: datetime | None
    res_breached_at: datetime | None
    escalations: int
    extensions: int


def _facts(
    used: int, budget: int, met_at: datetime | None, breached_at: datetime | None
) -> TargetFacts:
    return TargetFacts(
        used=used, budget=budget, met=met_at is not None, breach_raised=breached_at is not None
    )


@dataclass(frozen=True)
class OpenTicket:
    """An open ticket as the backlog report counts it."""

    received_at: datetime
    policy_version: str
    group: str | None


async def open_tickets(session: AsyncSession, group_by: BacklogGroupBy | None) -> list[OpenTicket]:
    """Every ticket not resolved or closed (the partial index of open tickets serves it)."""
    key = clock.c[group_by.value] if group_by else null()
    query = select(clock.c.received_at, clock.c.policy_version, key.label("key")).where(
        open_ticket()
    )
    return [
        OpenTicket(row.received_at, row.policy_version, row.key)
        for row in (await session.execute(query)).all()
    ]


# -- ops gauges: each query runs on a partial index (services/sla/tables.py) -----------------


def _constant(value: str) -> ColumnElement[str]:
    # Inlined, not bound: a prepared statement's generic plan cannot match a bound parameter
    # to a partial index's predicate.
    return literal_column(f"'{value}'")


def open_ticket() -> ColumnElement[bool]:
    return clock.c.status.not_in([_constant(status) for status in FINISHED_STATUSES])


async def count_open(session: AsyncSession) -> int:
    query = select(func.count()).select_from(clock).where(open_ticket())
    return int((await session.execute(query)).scalar_one())


async def count_due_within(
    session: AsyncSession, now: datetime, horizons: Mapping[str, datetime]
) -> int:
    """Tickets with a target falling due in (now, horizon of their policy version]."""

    def due(horizon: datetime) -> ColumnElement[bool]:
        return or_(
            *(
                and_(column > now, column <= horizon)
                for column in (clock.c.fr_due_at, clock.c.res_due_at)
            )
        )

    by_horizon: dict[datetime, list[str]] = {}
    for version, horizon in horizons.items():
        by_horizon.setdefault(horizon, []).append(version)
    if len(by_horizon) == 1:
        condition = due(next(iter(by_horizon)))
    else:
        condition = or_(
            *(
                and_(clock.c.policy_version.in_(versions), due(horizon))
                for horizon, versions in by_horizon.items()
            )
        )
    query = select(func.count()).select_from(clock).where(condition)
    return int((await session.execute(query)).scalar_one())


async def count_breaches_since(session: AsyncSession, since: datetime) -> dict[SlaTarget, int]:
    def count_since(column: Any) -> Any:
        table = column.table
        return select(func.count()).select_from(table).where(column >= since).scalar_subquery()

    row = (
        await session.execute(
            select(
                count_since(clock.c.fr_breached_at),
                count_since(clock.c.res_breached_at),
                count_since(review.c.breached_at),
            )
        )
    ).one()
    return dict(
        zip(
            (SlaTarget.first_response, SlaTarget.resolution, SlaTarget.escalation_review),
            (int(n) for n in row),
            strict=True,
        )
    )


async def oldest_unclaimed(session: AsyncSession) -> tuple[datetime, str] | None:
    """Arrival and policy version of the ticket waiting longest to be taken."""
    query = (
        select(clock.c.received_at, clock.c.policy_version)
        .where(clock.c.status == _constant(UNCLAIMED))
        .order_by(clock.c.received_at)
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return (row.received_at, row.policy_version) if row else None
