"""The clock domain on the real sviftcommunity calendar: no database, no bus."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain.clock import Alert, TicketClock
from shared.policy.calendar import BusinessCalendar
from shared.policy.policy import load_policy

MSK = ZoneInfo("Europe/Moscow")
POLICY = load_policy()
CALENDAR = BusinessCalendar(POLICY)
PAUSE = frozenset(POLICY.targets.pause_while)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def clock_at(received: datetime, first: int = 24 * 60, resolution: int = 3 * 540) -> TicketClock:
    return TicketClock.start(
        policy_version="v",
        received_at=received,
        first_response_minutes=first,
        resolution_minutes=resolution,
    )


def test_friday_evening_ticket_is_due_by_the_following_wednesday_afternoon() -> None:
    # Fri 14 Nov 2025 19:05: the desk starts Mon 17 Nov 09:00; 24 h = Mon 9 + Tue 9 + Wed 6.
    clock = clock_at(msk(2025, 11, 14, 19, 5))
    assert clock.first_response.due_at(CALENDAR) == msk(2025, 11, 19, 15, 0)
    # 3 business days of 9 h from Monday 09:00: Mon, Tue, Wed → Wed 18:00 exactly.
    assert clock.resolution.due_at(CALENDAR) == msk(2025, 11, 19, 18, 0)


def test_the_november_holidays_do_not_count() -> None:
    # Thu 30 Oct 2025 17:00: 1 h that day; Mon 3 and Tue 4 Nov are days off; Wed 5 Nov resumes.
    clock = clock_at(msk(2025, 10, 30, 17, 0), first=120)
    assert clock.first_response.due_at(CALENDAR) == msk(2025, 11, 5, 10, 0)


def test_waiting_on_the_customer_pauses_both_clocks() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0), first=600)
    paused = [(msk(2025, 11, 17, 10, 0), "waiting_customer")]  # 60 business minutes used
    clock.replay(paused, None, CALENDAR, PAUSE)
    assert clock.paused_at == msk(2025, 11, 17, 10, 0)
    assert clock.first_response.due_at(CALENDAR) is None
    assert clock.first_response.elapsed(msk(2025, 11, 18, 12, 0), CALENDAR) == 60
    resumed = [*paused, (msk(2025, 11, 18, 9, 0), "in_progress")]
    clock.replay(resumed, None, CALENDAR, PAUSE)
    # 540 minutes left from Tue 09:00 → Tue 18:00.
    assert clock.first_response.due_at(CALENDAR) == msk(2025, 11, 18, 18, 0)
    assert clock.resolution.elapsed(msk(2025, 11, 18, 9, 30), CALENDAR) == 90


@pytest.mark.parametrize("waiting", ["waiting_partner", "in_development"])
def test_waiting_on_a_partner_or_development_pauses_like_waiting_on_the_customer(
    waiting: str,
) -> None:
    """Clauses 12, 17, 25: the desk cannot act while a partner or development works."""
    clock = clock_at(msk(2025, 11, 17, 9, 0), first=600)
    history = [(msk(2025, 11, 17, 10, 0), waiting), (msk(2025, 11, 20, 9, 0), "in_progress")]
    clock.replay(history[:1], None, CALENDAR, PAUSE)
    assert clock.paused_at == msk(2025, 11, 17, 10, 0)
    assert clock.resolution.due_at(CALENDAR) is None
    clock.replay(history, None, CALENDAR, PAUSE)
    # Mon 9–10 used; Tue and Wed waiting count for nothing; Thu 09:00 + 540 min = Thu 18:00.
    assert clock.first_response.due_at(CALENDAR) == msk(2025, 11, 20, 18, 0)


def test_a_policy_that_does_not_pause_for_partners_keeps_the_clock_running() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0), first=600)
    only_customer = frozenset({"waiting_customer"})
    clock.replay([(msk(2025, 11, 17, 10, 0), "waiting_partner")], None, CALENDAR, only_customer)
    assert clock.paused_at is None
    assert clock.first_response.due_at(CALENDAR) == msk(2025, 11, 18, 10, 0)


def test_facts_in_any_order_give_the_same_clock() -> None:
    facts = [
        (msk(2025, 11, 17, 10, 0), "waiting_customer"),
        (msk(2025, 11, 18, 9, 0), "in_progress"),
        (msk(2025, 11, 18, 11, 0), "resolved"),
    ]
    forward, backward = clock_at(msk(2025, 11, 17, 9, 0)), clock_at(msk(2025, 11, 17, 9, 0))
    forward.replay(facts, msk(2025, 11, 18, 10, 0), CALENDAR, PAUSE)
    backward.replay(list(reversed(facts)), msk(2025, 11, 18, 10, 0), CALENDAR, PAUSE)
    assert forward == backward
    assert forward.first_response.used == 60 + 60  # Mon 9–10, Tue 9–10
    assert forward.resolution.met_at == msk(2025, 11, 18, 11, 0)
    assert forward.resolution.used == 60 + 120


def test_meeting_a_target_stops_it_and_reports_the_time_taken() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0))
    clock.replay([], msk(2025, 11, 17, 11, 30), CALENDAR, PAUSE)
    assert clock.first_response.met_at == msk(2025, 11, 17, 11, 30)
    assert clock.first_response.used == 150
    assert clock.first_response.due_at(CALENDAR) is None
    # The resolution summary answers too, when it comes before any reply.
    other = clock_at(msk(2025, 11, 17, 9, 0))
    other.replay([(msk(2025, 11, 17, 10, 0), "resolved")], None, CALENDAR, PAUSE)
    assert other.first_response.met_at == msk(2025, 11, 17, 10, 0)


def test_complexity_recomputes_the_resolution_target_from_the_start() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0))
    clock.set_resolution_budget(540)  # simple: one business day
    assert clock.resolution.due_at(CALENDAR) == msk(2025, 11, 17, 18, 0)


def test_alerts_fall_due_once_each_and_the_next_check_follows() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0), first=100, resolution=1000)
    threshold = 0.75
    assert clock.next_check(CALENDAR, threshold) == msk(2025, 11, 17, 10, 15)  # 75 of 100
    assert clock.due_alerts(msk(2025, 11, 17, 10, 14), CALENDAR, threshold) == []
    alerts = clock.due_alerts(msk(2025, 11, 17, 10, 15), CALENDAR, threshold)
    assert [(a, t.name) for a, t, _ in alerts] == [(Alert.warning, "first_response")]
    assert clock.due_alerts(msk(2025, 11, 17, 10, 30), CALENDAR, threshold) == []
    assert clock.next_check(CALENDAR, threshold) == msk(2025, 11, 17, 10, 40)
    later = clock.due_alerts(msk(2025, 11, 17, 10, 41), CALENDAR, threshold)
    assert [(a, t.name, due) for a, t, due in later] == [
        (Alert.breached, "first_response", msk(2025, 11, 17, 10, 40))
    ]
    # Next: the resolution warning at 750 business minutes: Mon 9 h + Tue 3.5 h.
    assert clock.next_check(CALENDAR, threshold) == msk(2025, 11, 18, 12, 30)
    assert clock.due_alerts(msk(2025, 11, 18, 12, 29), CALENDAR, threshold) == []
    assert clock.first_response.breached_at is not None


def test_reopening_resumes_the_resolution_clock_where_it_stopped() -> None:
    clock = clock_at(msk(2025, 11, 17, 9, 0), resolution=540)
    history = [(msk(2025, 11, 17, 13, 0), "resolved"), (msk(2025, 11, 18, 9, 0), "in_progress")]
    clock.replay(history, None, CALENDAR, PAUSE)
    assert clock.resolution.met_at is None
    assert clock.resolution.due_at(CALENDAR) == msk(2025, 11, 18, 9, 0) + timedelta(hours=5)
