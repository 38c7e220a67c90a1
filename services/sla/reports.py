"""The SLA report's use case (clause 22): the figures of the tickets received in a period,
with the feedback received in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.sla import repository
from services.sla.domain.backlog import BacklogGroupBy, BacklogRow
from services.sla.domain.backlog import backlog as domain_backlog
from services.sla.domain.report import GroupBy, GroupFigures
from shared.policy.book import PolicyBook
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SlaReport:
    groups: list[GroupFigures]
    feedback: dict[str, int]  # by kind


async def sla_report(
    uow: UnitOfWork, book: PolicyBook, start: datetime, end: datetime, group_by: GroupBy | None
) -> SlaReport:
    groups = await repository.sla_report(
        uow.session,
        start,
        end,
        group_by,
        zones=book.zones(),
        default_zone=book.at(datetime.now(UTC)).timezone,
    )
    return SlaReport(groups, await repository.feedback_volume(uow.session, start, end))


async def backlog(
    uow: UnitOfWork, book: PolicyBook, now: datetime, group_by: BacklogGroupBy | None
) -> list[BacklogRow]:
    """The open tickets by business age: each on the calendar of the policy version its clock
    runs on, so a ticket received before a policy change ages as its clock does."""
    tickets = await repository.open_tickets(uow.session, group_by)
    calendars = {v: book.calendar(v) for v in {t.policy_version for t in tickets}}
    ages = ((t.group, calendars[t.policy_version].between(t.received_at, now)) for t in tickets)
    return domain_backlog(ages, grouped=group_by is not None)
