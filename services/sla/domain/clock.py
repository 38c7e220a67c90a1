"""A ticket's SLA clocks: the first-response and resolution targets on the business calendar.

Plain Python, no I/O. A target has a budget of business minutes; it runs from the ticket's
arrival (a calendar makes closed time count for nothing), pauses while the ticket waits on
someone else (the customer, a partner, development: the policy's ``pause_while``), and stops
when met. ``used`` holds the business minutes consumed up to
``running_since``, so no history needs replaying:

    elapsed(now) = used + between(running_since, now)      while running
    due_at       = add(running_since, budget - used)        while running
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.contracts.events import SlaTarget
from shared.policy.calendar import BusinessCalendar

# Ticket statuses as the clocks see them (SPEC: "The SLA clock, exactly"). Which waiting
# statuses pause the clocks is the policy's choice (``targets.pause_while``).
FINISHED = frozenset({"resolved", "closed"})


class Alert(StrEnum):
    warning = "warning"
    breached = "breached"


@dataclass
class Target:
    name: SlaTarget
    budget: int
    used: int = 0
    running_since: datetime | None = None
    met_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def elapsed(self, now: datetime, calendar: BusinessCalendar) -> int:
        if self.running_since is None:
            return self.used
        return self.used + max(calendar.between(self.running_since, now), 0)

    def due_at(self, calendar: BusinessCalendar) -> datetime | None:
        """When the budget runs out, if the clock keeps running; None while stopped."""
        if self.running_since is None:
            return None
        return calendar.add(self.running_since, max(self.budget - self.used, 0))

    def warning_at(self, calendar: BusinessCalendar, threshold: float) -> datetime | None:
        if self.running_since is None or self.warned_at is not None:
            return None
        return calendar.add(
            self.running_since, max(math.ceil(self.budget * threshold) - self.used, 0)
        )

    def due_alerts(
        self, now: datetime, calendar: BusinessCalendar, threshold: float
    ) -> list[tuple[Alert, datetime]]:
        """The warning and breach that fell due by ``now``, each marked so it is raised once."""
        raised: list[tuple[Alert, datetime]] = []
        warning = self.warning_at(calendar, threshold)
        if warning is not None and warning <= now:
            self.warned_at = now
            raised.append((Alert.warning, warning))
        due = self.due_at(calendar)
        if due is not None and self.breached_at is None and due <= now:
            self.breached_at = now
            raised.append((Alert.breached, due))
        return raised

    def next_check(self, calendar: BusinessCalendar, threshold: float) -> datetime | None:
        """The next moment an alert may fall due, for the scan's index."""
        moments = [self.warning_at(calendar, threshold)]
        if self.breached_at is None:
            moments.append(self.due_at(calendar))
        pending = [moment for moment in moments if moment is not None]
        return min(pending) if pending else None

    def stop(self, now: datetime, calendar: BusinessCalendar) -> None:
        self.used = self.elapsed(now, calendar)
        self.running_since = None


@dataclass
class TicketClock:
    policy_version: str
    received_at: datetime
    first_response: Target
    resolution: Target
    paused_at: datetime | None = None

    @classmethod
    def start(
        cls,
        *,
        policy_version: str,
        received_at: datetime,
        first_response_minutes: int,
        resolution_minutes: int,
    ) -> TicketClock:
        return cls(
            policy_version,
            received_at,
            Target(SlaTarget.first_response, first_response_minutes, running_since=received_at),
            Target(SlaTarget.resolution, resolution_minutes, running_since=received_at),
        )

    @property
    def targets(self) -> tuple[Target, Target]:
        return (self.first_response, self.resolution)

    def replay(
        self,
        history: Sequence[tuple[datetime, str]],
        first_reply_at: datetime | None,
        calendar: BusinessCalendar,
        paused: frozenset[str],
    ) -> None:
        """Set both targets from the ticket's status history and its first agent reply.

        Everything is derived from facts in time order, so events that arrive out of order or
        twice give the same clock. A ``paused`` status pauses both targets; a resolved or
        closed ticket stops them; the first public reply (or the resolution summary, if it comes
        first) meets the first response.
        """
        ordered = sorted(history)
        finished = [at for at, status in ordered if status in FINISHED]
        answers = [
            moment for moment in (first_reply_at, finished[0] if finished else None) if moment
        ]
        first_answer = min(answers, default=None)
        _replay(self.first_response, self.received_at, ordered, calendar, paused, first_answer)
        _replay(self.resolution, self.received_at, ordered, calendar, paused, None)
        latest = ordered[-1] if ordered else None
        self.paused_at = latest[0] if latest and latest[1] in paused else None

    def set_resolution_budget(self, minutes: int) -> None:
        """A new budget counts from the ticket's start, like the one it replaces."""
        self.resolution.budget = minutes

    def due_alerts(
        self, now: datetime, calendar: BusinessCalendar, threshold: float
    ) -> list[tuple[Alert, Target, datetime]]:
        """Warnings and breaches that fell due by ``now``, each marked so it is raised once."""
        return [
            (alert, target, moment)
            for target in self.targets
            for alert, moment in target.due_alerts(now, calendar, threshold)
        ]

    def next_check(self, calendar: BusinessCalendar, threshold: float) -> datetime | None:
        """The next moment an alert may fall due, for the scan's index."""
        pending = [
            moment
            for target in self.targets
            if (moment := target.next_check(calendar, threshold)) is not None
        ]
        return min(pending) if pending else None


def _replay(
    target: Target,
    received_at: datetime,
    history: Sequence[tuple[datetime, str]],
    calendar: BusinessCalendar,
    paused: frozenset[str],
    stop_at: datetime | None,
) -> None:
    """Walk the history: the target runs from arrival, stops while paused or finished, and for
    good at ``stop_at``; without one it is met while the ticket stays finished."""
    running, start, used = True, received_at, 0
    finished_since: datetime | None = None
    for at, status in history:
        if stop_at is not None and at >= stop_at:
            break
        runs = status not in paused and status not in FINISHED
        if running and not runs:
            used += max(calendar.between(start, at), 0)
            running = False
        elif not running and runs:
            start, running = at, True
        finished_since = (finished_since or at) if status in FINISHED else None
    if stop_at is not None:
        if running:
            used += max(calendar.between(start, stop_at), 0)
        target.used, target.running_since, target.met_at = used, None, stop_at
    else:
        target.used = used
        target.running_since = start if running else None
        target.met_at = finished_since
