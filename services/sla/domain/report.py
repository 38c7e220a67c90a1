"""SLA reports (clause 22): figures per group of tickets, on each ticket's business clock.

Plain Python, no I/O. Every figure comes from a ticket's clock as its own policy version kept
it (budgets with extensions, business minutes on that version's calendar), so a later change
of the policy never rewrites an earlier month. The definitions, which the SQL computing the
same on PostgreSQL (services/sla/repository.py) follows exactly:

- a target's time is the business minutes it used, known once it is met;
- met: met within its budget; breached: met late, or not met and its breach raised; a target
  still running within its budget is neither, and stays out of the met share;
- median and p90 interpolate between ranks like PostgreSQL's ``percentile_cont``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# A whole year's report, leap years too; not a scan of all history.
MAX_PERIOD = timedelta(days=366)


class GroupBy(StrEnum):
    category = "category"
    channel = "channel"
    complexity = "complexity"
    week = "week"


class ReportPeriodError(ValueError):
    """A period the report cannot cover; ``field`` names the query parameter at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A "+03:00" written unencoded in a URL arrives as " 03:00": a query decodes "+" as a space.
_SPACED_OFFSET = re.compile(r"(.+\d) (\d{2}(?::?\d{2})?)")
BOUND_FORMAT = (
    "a date (2025-11-17: that whole day on the desk's clock) or a date-time with an offset"
    " (2025-11-17T09:00:00+03:00; in a URL write + as %2B)"
)


def parse_bound(text: str, field: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A report period's bound: a plain date is a day of the desk's time zone, from its start
    (``from``) or to its end (``to``, so ``from=2025-12-01&to=2025-12-31`` is all December)."""
    text = text.strip()
    if len(text) > 64:
        raise ReportPeriodError(field, f"too long: expected {BOUND_FORMAT}")
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            what = f"{text!r} is not a date: expected {BOUND_FORMAT}"
            raise ReportPeriodError(field, what) from None
        moment = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        return moment + timedelta(days=1) if end else moment
    if spaced := _SPACED_OFFSET.fullmatch(text):
        text = f"{spaced[1]}+{spaced[2]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReportPeriodError(field, f"{text!r} is not {BOUND_FORMAT}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ReportPeriodError(field, f"{text!r} has no UTC offset: expected {BOUND_FORMAT}")
    return moment


def check_period(start: datetime, end: datetime) -> None:
    for field, moment in (("from", start), ("to", end)):
        try:
            moment.astimezone(UTC)
        except OverflowError:  # an offset that pushes the instant past year 1 or 9999
            raise ReportPeriodError(field, "out of range") from None
    if end <= start:
        raise ReportPeriodError("to", "must be later than from")
    if end - start > MAX_PERIOD:
        raise ReportPeriodError("to", f"a report covers at most {MAX_PERIOD.days} days")


def iso_week(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week of ``moment`` on the desk's wall clock, e.g. ``2025-W47``."""
    return week_name(moment.astimezone(zone))


def week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def percentile(ordered: Sequence[int], q: float) -> float | None:
    """Linear interpolation between ranks, as PostgreSQL's ``percentile_cont`` computes it
    (same operations in the same order, so both backends give the same float)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    first = math.floor(position)
    low, high = ordered[first], ordered[math.ceil(position)]
    return low + (high - low) * (position - first)


@dataclass(frozen=True)
class TargetFacts:
    """What one ticket's clock says of one target."""

    used: int
    budget: int
    met: bool  # the target stopped: answered, or resolved
    breach_raised: bool

    @property
    def in_time(self) -> bool:
        return self.met and self.used <= self.budget

    @property
    def breached(self) -> bool:
        return self.used > self.budget if self.met else self.breach_raised


@dataclass(frozen=True)
class TicketFacts:
    key: str | None
    first_response: TargetFacts
    resolution: TargetFacts
    escalations: int
    extensions: int


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class TargetFigures:
    measured: int  # targets met, in time or late: the ones with a time
    median_minutes: float | None
    p90_minutes: float | None
    met: int  # within the target
    breached: int

    @classmethod
    def of(
        cls, measured: int, median: float | None, p90: float | None, met: int, breached: int
    ) -> TargetFigures:
        return cls(measured, _round(median), _round(p90), met, breached)

    @classmethod
    def from_facts(cls, facts: Iterable[TargetFacts]) -> TargetFigures:
        facts = list(facts)
        times = sorted(f.used for f in facts if f.met)
        return cls.of(
            len(times),
            percentile(times, 0.5),
            percentile(times, 0.9),
            sum(f.in_time for f in facts),
            sum(f.breached for f in facts),
        )

    @property
    def met_share(self) -> float | None:
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None


# A 4 or a 5 of 1–5 is a satisfied customer: CSAT is their share of the ratings.
SATISFIED_SCORE = 4


@dataclass(frozen=True)
class CsatFigures:
    """Customers' ratings of the resolutions (clauses 13, 27): one per resolution."""

    ratings: int = 0
    satisfied: int = 0
    score_sum: int = 0

    @classmethod
    def of(cls, scores: Iterable[int]) -> CsatFigures:
        scores = list(scores)
        return cls(len(scores), sum(s >= SATISFIED_SCORE for s in scores), sum(scores))

    @property
    def satisfied_share(self) -> float | None:
        return round(self.satisfied / self.ratings, 4) if self.ratings else None

    @property
    def average_score(self) -> float | None:
        return round(self.score_sum / self.ratings, 2) if self.ratings else None


def csat_by_group(ratings: Iterable[tuple[str | None, int]]) -> dict[str | None, CsatFigures]:
    """(group, score) pairs to each group's CSAT."""
    scores: dict[str | None, list[int]] = defaultdict(list)
    for group, score in ratings:
        scores[group].append(score)
    return {group: CsatFigures.of(values) for group, values in scores.items()}


@dataclass(frozen=True)
class GroupFigures:
    group: str | None
    tickets: int
    first_response: TargetFigures
    resolution: TargetFigures
    escalations: int
    extensions: int
    csat: CsatFigures = CsatFigures()

    @property
    def breaches(self) -> int:
        return self.first_response.breached + self.resolution.breached


def ordered(groups: Iterable[GroupFigures]) -> list[GroupFigures]:
    """By group name, tickets without a value (no category, complexity not set) last."""
    return sorted(groups, key=lambda g: (g.group is None, g.group or ""))


def aggregate(tickets: Iterable[TicketFacts], *, grouped: bool) -> list[GroupFigures]:
    """One row per group, or one overall row (also for no tickets at all)."""
    groups: dict[str | None, list[TicketFacts]] = defaultdict(list)
    for ticket in tickets:
        groups[ticket.key if grouped else None].append(ticket)
    if not grouped and not groups:
        groups[None] = []
    return ordered(
        GroupFigures(
            group=key,
            tickets=len(members),
            first_response=TargetFigures.from_facts(t.first_response for t in members),
            resolution=TargetFigures.from_facts(t.resolution for t in members),
            escalations=sum(t.escalations for t in members),
            extensions=sum(t.extensions for t in members),
        )
        for key, members in groups.items()
    )


def _target_columns(prefix: str) -> list[str]:
    return [
        f"{prefix}_{name}"
        for name in ("measured", "median_minutes", "p90_minutes", "met", "breached", "met_share")
    ]


CSV_COLUMNS = [
    "tickets",
    *_target_columns("first_response"),
    *_target_columns("resolution"),
    "breaches",
    "escalations",
    "extensions",
    "csat_ratings",
    "csat_satisfied_share",
    "csat_average_score",
]


def _cell(value: object) -> object:
    return "" if value is None else value


def _target_cells(figures: TargetFigures) -> list[object]:
    return [
        figures.measured,
        figures.median_minutes,
        figures.p90_minutes,
        figures.met,
        figures.breached,
        figures.met_share,
    ]


def to_csv(groups: Sequence[GroupFigures], group_by: GroupBy | None) -> str:
    """The report as CSV: a header, then one line per group (empty cell: no value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([group_by.value if group_by else "group", *CSV_COLUMNS])
    for g in groups:
        cells = [
            g.group,
            g.tickets,
            *_target_cells(g.first_response),
            *_target_cells(g.resolution),
            g.breaches,
            g.escalations,
            g.extensions,
            g.csat.ratings,
            g.csat.satisfied_share,
            g.csat.average_score,
        ]
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()
