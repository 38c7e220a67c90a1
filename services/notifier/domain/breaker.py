"""The circuit breaker of a delivery lane: after repeated failures in a row an endpoint is
paused, so its deliveries wait instead of hammering a partner that is down (and holding our
connections); each pause is longer than the last, up to a ceiling. Pure: time is passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

FAILURES_TO_OPEN = 5
FIRST_PAUSE = timedelta(seconds=60)
LONGEST_PAUSE = timedelta(hours=1)


@dataclass
class _State:
    failures: int = 0
    pause: timedelta = FIRST_PAUSE
    paused_until: datetime | None = None


@dataclass
class Breaker:
    failures_to_open: int = FAILURES_TO_OPEN
    _lanes: dict[str, _State] = field(default_factory=dict)

    def paused_until(self, lane: str, now: datetime) -> datetime | None:
        """When the lane may be tried again, or None when it may be tried now."""
        state = self._lanes.get(lane)
        if state is None or state.paused_until is None or state.paused_until <= now:
            return None
        return state.paused_until

    def paused(self, now: datetime) -> set[str]:
        return {lane for lane in self._lanes if self.paused_until(lane, now) is not None}

    def succeeded(self, lane: str) -> None:
        self._lanes.pop(lane, None)

    def failed(self, lane: str, now: datetime) -> datetime | None:
        """Count a failure; returns the end of the pause when this one opens the breaker."""
        state = self._lanes.setdefault(lane, _State())
        state.failures += 1
        if state.failures < self.failures_to_open:
            return None
        if state.paused_until is not None and state.paused_until > now:
            return None  # on its way when the pause began: the pause stands as it is
        if state.paused_until is not None:
            # The probe after a pause failed too: wait longer this time.
            state.pause = min(state.pause * 2, LONGEST_PAUSE)
        state.paused_until = now + state.pause
        return state.paused_until
