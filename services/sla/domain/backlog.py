"""The backlog by age (clause 22): open tickets counted by how long they have been open, in
business minutes on each ticket's own policy calendar. Plain Python, no I/O."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class BacklogGroupBy(StrEnum):
    # Not week: an open ticket's week of arrival is its age, which the buckets already show.
    category = "category"
    channel = "channel"
    complexity = "complexity"


@dataclass(frozen=True)
class AgeBucket:
    """Business minutes in [from_minutes, to_minutes); ``to_minutes`` None: no upper bound."""

    name: str
    from_minutes: int
    to_minutes: int | None

    def holds(self, minutes: int) -> bool:
        return minutes >= self.from_minutes and (
            self.to_minutes is None or minutes < self.to_minutes
        )


# Business hours, not wall-clock ones: an hour, half a day, a working day (9 hours on the
# desk's calendar), three working days, and older. A weekend does not age a ticket.
BUCKETS = (
    AgeBucket("under_1h", 0, 60),
    AgeBucket("1h_4h", 60, 240),
    AgeBucket("4h_1d", 240, 540),
    AgeBucket("1d_3d", 540, 1620),
    AgeBucket("over_3d", 1620, None),
)


def bucket_of(minutes: int) -> AgeBucket:
    # A clock's zone change can yield a negative span; it is the youngest bucket all the same.
    return next((b for b in BUCKETS if b.holds(minutes)), BUCKETS[0])


@dataclass(frozen=True)
class BacklogRow:
    group: str | None
    counts: tuple[int, ...]  # one per bucket, in BUCKETS' order

    @property
    def tickets(self) -> int:
        return sum(self.counts)


def backlog(ages: Iterable[tuple[str | None, int]], *, grouped: bool) -> list[BacklogRow]:
    """(group, business minutes open) pairs to one row per group, or one overall row (also
    when nothing is open); groups by name, tickets without a value last."""
    counts: dict[str | None, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
    if not grouped:
        counts[None]
    for group, minutes in ages:
        counts[group if grouped else None][BUCKETS.index(bucket_of(minutes))] += 1
    keys = sorted(counts, key=lambda g: (g is None, g or ""))
    return [BacklogRow(key, tuple(counts[key])) for key in keys]


def backlog_csv(rows: Iterable[BacklogRow], group_by: BacklogGroupBy | None) -> str:
    """A header (the group, then each bucket), one line per row; an empty cell: no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    first = group_by.value if group_by else "group"
    writer.writerow([first, *(b.name for b in BUCKETS), "tickets"])
    for row in rows:
        writer.writerow([row.group or "", *row.counts, row.tickets])
    return out.getvalue()
