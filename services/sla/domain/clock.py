"""A ticket's SLA clocks: the first-response and resolution targets on the business calendar.

Plain Python, no I/O. A target has a budget of business minutes; it runs from the ticket's
arrival (a calendar makes closed time count for nothing), pauses while the ticket waits on the
customer, and stops when met. ``used`` holds the business minutes consumed up to
``running_since``, so no history needs replaying:

    elapsed(now) = used + between(running_since, now)      while running
    due_at       = add(running_since, budget - used)        while running
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.sla.domain.calendar import BusinessCalendar
from shared.contracts.events import SlaTarget


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

    def stop(self, now: datetime, calendar: BusinessCalendar) -> None:
        self.used = self.elapsed(now, calendar)
        self.running_since = None

    def start(self, now: datetime) -> None:
        if self.running_since is None and self.met_at is None:
            self.running_since = now


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

    def pause(self, now: datetime, calendar: BusinessCalendar) -> None:
        """Waiting on the customer: the time paused is not counted."""
        if self.paused_at is None:
            for target in self.targets:
                if target.running:
                    target.stop(now, calendar)
            self.paused_at = now

    def resume(self, now: datetime) -> None:
        if self.paused_at is not None:
            self.paused_at = None
            for target in self.targets:
                target.start(now)

    def meet(self, target: Target, now: datetime, calendar: BusinessCalendar) -> bool:
        """Mark a target met; False if it already was."""
        if target.met_at is not None:
            return False
        target.stop(now, calendar)
        target.met_at = now
        return True

    def reopen_resolution(self, now: datetime) -> None:
        """The customer wrote after resolution: the resolution clock runs on where it stopped."""
        self.resolution.met_at = None
        if self.paused_at is None:
            self.resolution.start(now)

    def set_resolution_budget(self, minutes: int) -> None:
        """A new budget counts from the ticket's start, like the one it replaces."""
        self.resolution.budget = minutes

    def due_alerts(
        self, now: datetime, calendar: BusinessCalendar, threshold: float
    ) -> list[tuple[Alert, Target, datetime]]:
        """Warnings and breaches that fell due by ``now``, each marked so it is raised once."""
        raised: list[tuple[Alert, Target, datetime]] = []
        for target in self.targets:
            warning = target.warning_at(calendar, threshold)
            if warning is not None and warning <= now:
                target.warned_at = now
                raised.append((Alert.warning, target, warning))
            due = target.due_at(calendar)
            if due is not None and target.breached_at is None and due <= now:
                target.breached_at = now
                raised.append((Alert.breached, target, due))
        return raised

    def next_check(self, calendar: BusinessCalendar, threshold: float) -> datetime | None:
        """The next moment an alert may fall due, for the scan's index."""
        moments = []
        for target in self.targets:
            moments.append(target.warning_at(calendar, threshold))
            if target.breached_at is None:
                moments.append(target.due_at(calendar))
        pending = [moment for moment in moments if moment is not None]
        return min(pending) if pending else None
