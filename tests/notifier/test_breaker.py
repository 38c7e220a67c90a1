"""The circuit breaker of a delivery lane, on its own (no I/O: time is passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.domain.breaker import FIRST_PAUSE, LONGEST_PAUSE, Breaker

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_five_failures_in_a_row_pause_the_lane_alone() -> None:
    breaker = Breaker()
    assert [breaker.failed("a", NOW) for _ in range(4)] == [None] * 4
    assert breaker.failed("a", NOW) == NOW + FIRST_PAUSE
    assert breaker.paused(NOW) == {"a"}
    assert breaker.paused_until("b", NOW) is None
    # One already on its way when the pause began fails too: the pause stands as it is.
    assert breaker.failed("a", NOW + timedelta(seconds=1)) is None
    assert breaker.paused_until("a", NOW + timedelta(seconds=1)) == NOW + FIRST_PAUSE
    assert breaker.paused(NOW + FIRST_PAUSE) == set()


def test_a_failed_probe_pauses_longer_up_to_a_ceiling_and_a_success_closes_it() -> None:
    breaker = Breaker()
    at = NOW
    for _ in range(5):
        breaker.failed("a", at)
    pauses = []
    for _ in range(10):
        at = breaker.paused_until("a", at) or at  # the probe goes when the pause is over
        until = breaker.failed("a", at)
        assert until is not None
        pauses.append(until - at)
    assert pauses[0] == 2 * FIRST_PAUSE and pauses[-1] == LONGEST_PAUSE
    breaker.succeeded("a")
    assert breaker.paused(at + LONGEST_PAUSE) == set()
    assert breaker.failed("a", at) is None  # counting starts over
