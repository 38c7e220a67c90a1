"""The report's arithmetic, without a database: percentiles, outcomes, weeks, grouping, CSV."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain.report import (
    CsatFigures,
    GroupBy,
    ReportPeriodError,
    TargetFacts,
    TicketFacts,
    aggregate,
    check_period,
    csat_by_group,
    iso_week,
    percentile,
    to_csv,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def test_percentiles_interpolate_between_ranks_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([10, 20], 0.5) == 15  # halfway between the two
    # 0.9 × (5 − 1) = 3.6: 60% of the way from the 4th value (40) to the 5th (100).
    assert percentile([10, 20, 30, 40, 100], 0.9) == pytest.approx(76)
    assert percentile([10, 20, 30, 40, 100], 0.5) == 30


def test_a_target_is_met_in_time_breached_or_not_yet_decided() -> None:
    in_time = TargetFacts(used=540, budget=540, met=True, breach_raised=True)
    late = TargetFacts(used=541, budget=540, met=True, breach_raised=False)
    overdue = TargetFacts(used=100, budget=540, met=False, breach_raised=True)
    running = TargetFacts(used=100, budget=540, met=False, breach_raised=False)
    # The business clock decides a met target, whenever the breach alert happened to be raised.
    assert (in_time.in_time, in_time.breached) == (True, False)
    assert (late.in_time, late.breached) == (False, True)
    assert (overdue.in_time, overdue.breached) == (False, True)
    assert (running.in_time, running.breached) == (False, False)


def test_weeks_are_iso_weeks_on_the_desks_wall_clock() -> None:
    # Sunday 22:30 UTC is already Monday 01:30 in Moscow: the next ISO week.
    sunday_night = datetime.fromisoformat("2025-11-23T22:30:00+00:00")
    assert iso_week(sunday_night, MOSCOW) == "2025-W48"
    assert iso_week(sunday_night, ZoneInfo("UTC")) == "2025-W47"
    # ISO years: 29 December 2025 (a Monday) opens week 1 of 2026.
    assert iso_week(datetime.fromisoformat("2025-12-29T10:00:00+03:00"), MOSCOW) == "2026-W01"


def _ticket(key: str | None, fr: int, res: int | None, **kw: int) -> TicketFacts:
    return TicketFacts(
        key=key,
        first_response=TargetFacts(fr, 1440, met=True, breach_raised=False),
        resolution=TargetFacts(res or 0, 540, met=res is not None, breach_raised=False),
        escalations=kw.get("escalations", 0),
        extensions=kw.get("extensions", 0),
    )


def test_groups_are_ordered_with_the_unset_value_last() -> None:
    tickets = [
        _ticket(None, 10, None),
        _ticket("question", 30, 600, extensions=1),
        _ticket("bug", 20, 100, escalations=2),
        _ticket("bug", 40, 300),
    ]
    rows = aggregate(tickets, grouped=True)
    assert [r.group for r in rows] == ["bug", "question", None]
    bug, question, unset = rows
    assert (bug.tickets, bug.escalations, bug.extensions) == (2, 2, 0)
    assert (bug.first_response.median_minutes, bug.resolution.median_minutes) == (30.0, 200.0)
    assert (bug.resolution.met, bug.resolution.breached, bug.resolution.met_share) == (2, 0, 1.0)
    assert (question.resolution.breached, question.breaches) == (1, 1)  # 600 > 540
    assert question.resolution.met_share == 0.0
    # Still running within its target: in neither count, and no share to give.
    assert (unset.resolution.measured, unset.resolution.met_share) == (0, None)

    [overall] = aggregate(tickets, grouped=False)
    assert (overall.group, overall.tickets, overall.first_response.measured) == (None, 4, 4)
    assert overall.first_response.median_minutes == 25.0

    [empty] = aggregate([], grouped=False)
    assert (empty.tickets, empty.first_response.median_minutes) == (0, None)
    assert aggregate([], grouped=True) == []


def test_csv_has_a_header_and_empty_cells_for_no_value() -> None:
    rows = aggregate([_ticket(None, 10, None), _ticket("bug", 20, 100)], grouped=True)
    lines = to_csv(rows, GroupBy.category).splitlines()
    assert lines[0].startswith("category,tickets,first_response_measured,")
    assert lines[1] == "bug,1,1,20.0,20.0,1,0,1.0,1,100.0,100.0,1,0,1.0,0,0,0,0,,"
    assert lines[2] == ",1,1,10.0,10.0,1,0,1.0,0,,,0,0,,0,0,0,0,,"
    assert to_csv(aggregate([], grouped=False), None).splitlines()[0].startswith("group,")


def test_a_period_runs_forwards_and_for_at_most_a_year() -> None:
    start = datetime.fromisoformat("2025-01-01T00:00:00+03:00")
    check_period(start, start + timedelta(days=366))
    for end in (start, start - timedelta(minutes=1), start + timedelta(days=367)):
        with pytest.raises(ReportPeriodError) as refused:
            check_period(start, end)
        assert refused.value.field == "to"
    with pytest.raises(ReportPeriodError) as refused:
        check_period(datetime.fromisoformat("0001-01-01T00:00:00+05:00"), start)
    assert refused.value.field == "from"


def test_csat_is_the_share_of_fours_and_fives() -> None:
    csat = csat_by_group([("bug", 5), ("bug", 4), ("bug", 1), (None, 3)])
    assert (csat["bug"].ratings, csat["bug"].satisfied) == (3, 2)
    assert (csat["bug"].satisfied_share, csat["bug"].average_score) == (0.6667, 3.33)
    assert (csat[None].satisfied_share, csat[None].average_score) == (0.0, 3.0)
    assert (CsatFigures().satisfied_share, CsatFigures().average_score) == (None, None)
