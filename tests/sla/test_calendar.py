"""The business calendar: worked examples on the real Russian calendar, and properties of
random policies checked against a dumb minute-by-minute oracle."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.policy.calendar import BusinessCalendar, NaiveDatetimeError
from shared.policy.policy import WEEKDAYS, Interval, Policy, load_policy

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(load_policy())


def msk(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=MSK)


# -- the official Russian production calendar (производственный календарь) ------------------
# Days off that fall on Mon–Fri, from the government decrees on day transfers for 2025
# (No. 1335 of 4 Oct 2024) and 2026 (of Sep 2025), as published in the production calendars.
# 2025: Jan 1–8 (Jan 4 -> May 2, Jan 5 -> Dec 31), Feb 23 -> May 8, Mar 8 -> Jun 13,
#       Sat Nov 1 worked -> Mon Nov 3 off.
# 2026: Jan 1–11 (Jan 3 -> Jan 9, Jan 4 -> Dec 31), Mar 8 (Sun) -> Mar 9, May 9 (Sat) -> May 11.
OFFICIAL_WEEKDAYS_OFF = {
    2025: {
        date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6),
        date(2025, 1, 7), date(2025, 1, 8), date(2025, 5, 1), date(2025, 5, 2),
        date(2025, 5, 8), date(2025, 5, 9), date(2025, 6, 12), date(2025, 6, 13),
        date(2025, 11, 3), date(2025, 11, 4), date(2025, 12, 31),
    },
    2026: {
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 5), date(2026, 1, 6),
        date(2026, 1, 7), date(2026, 1, 8), date(2026, 1, 9), date(2026, 2, 23),
        date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11), date(2026, 6, 12),
        date(2026, 11, 4), date(2026, 12, 31),
    },
}  # fmt: skip
# The ones this Mon–Thu desk feels.
CLOSED_MON_THU = {
    2025: {
        date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 6), date(2025, 1, 7),
        date(2025, 1, 8), date(2025, 5, 1), date(2025, 5, 8), date(2025, 6, 12),
        date(2025, 11, 3), date(2025, 11, 4), date(2025, 12, 31),
    },
    2026: {
        date(2026, 1, 1), date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7),
        date(2026, 1, 8), date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 11),
        date(2026, 11, 4), date(2026, 12, 31),
    },
}  # fmt: skip


@pytest.mark.parametrize("year", [2025, 2026])
def test_holidays_package_matches_the_official_calendar(year: int) -> None:
    found = holidays.country_holidays("RU", years=year)
    assert {d for d in found if d.weekday() < 5} == OFFICIAL_WEEKDAYS_OFF[year]
    assert CLOSED_MON_THU[year] == {d for d in OFFICIAL_WEEKDAYS_OFF[year] if d.weekday() < 4}


@pytest.mark.parametrize("year", [2025, 2026])
def test_desk_closes_exactly_on_official_days_off(cal: BusinessCalendar, year: int) -> None:
    day, closed = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() < 4 and not cal.open_hours(day):
            closed.add(day)
        if day.weekday() >= 4:
            assert cal.open_hours(day) == ()
        day += timedelta(days=1)
    assert closed == CLOSED_MON_THU[year]


def test_working_saturday_does_not_open_a_mon_thu_desk(cal: BusinessCalendar) -> None:
    # Sat 1 Nov 2025 was a working day in Russia; this desk works Mon–Thu only.
    assert not cal.is_open(msk(2025, 11, 1, 12))


# -- worked examples ------------------------------------------------------------------------


def test_nine_hours_from_monday_opening_end_at_monday_closing(cal: BusinessCalendar) -> None:
    assert cal.add(msk(2025, 1, 13, 9), 540) == msk(2025, 1, 13, 18)


def test_first_response_from_monday_opening_is_wednesday_15(cal: BusinessCalendar) -> None:
    # 24 business hours = Mon 9 h + Tue 9 h + 6 h of Wednesday.
    assert cal.add(msk(2025, 1, 13, 9), 24 * 60) == msk(2025, 1, 15, 15)


def test_friday_evening_ticket_starts_on_monday(cal: BusinessCalendar) -> None:
    friday = msk(2025, 1, 17, 19, 30)
    assert not cal.is_open(friday)
    assert cal.next_open(friday) == msk(2025, 1, 20, 9)
    assert cal.add(friday, 0) == msk(2025, 1, 20, 9)
    assert cal.add(friday, 24 * 60) == msk(2025, 1, 22, 15)


def test_a_ticket_at_17_59_gets_its_minute(cal: BusinessCalendar) -> None:
    t = msk(2025, 1, 13, 17, 59)
    assert cal.is_open(t)
    assert cal.add(t, 1) == msk(2025, 1, 13, 18)
    assert cal.add(t, 2) == msk(2025, 1, 14, 9, 1)
    assert cal.between(t, msk(2025, 1, 14, 9)) == 1


def test_a_ticket_at_18_00_starts_next_open_day(cal: BusinessCalendar) -> None:
    t = msk(2025, 1, 13, 18)
    assert not cal.is_open(t)
    assert cal.next_open(t) == msk(2025, 1, 14, 9)
    assert cal.add(t, 1) == msk(2025, 1, 14, 9, 1)
    # Thursday closing: the next opening is Monday.
    assert cal.next_open(msk(2025, 1, 16, 18)) == msk(2025, 1, 20, 9)


def test_opening_time_is_open_and_add_zero_keeps_an_open_instant(cal: BusinessCalendar) -> None:
    t = msk(2025, 1, 13, 9)
    assert cal.is_open(t)
    assert cal.next_open(t) == t
    assert cal.add(msk(2025, 1, 13, 11, 22, 33, 444), 0) == msk(2025, 1, 13, 11, 22, 33, 444)


def test_new_year_holidays_2025(cal: BusinessCalendar) -> None:
    # Sat 28 Dec 2024 was a working Saturday in Russia; 30 Dec – 8 Jan were off.
    t = msk(2024, 12, 28, 12)
    assert cal.next_open(t) == msk(2025, 1, 9, 9)
    # Thu 9 Jan 9 h, Mon 13 Jan 9 h, then 6 h of Tue 14 Jan.
    assert cal.add(t, 24 * 60) == msk(2025, 1, 14, 15)
    assert cal.between(msk(2024, 12, 26, 18), msk(2025, 1, 9, 9)) == 0


def test_new_year_holidays_2026(cal: BusinessCalendar) -> None:
    # Wed 31 Dec 2025 off (from 5 Jan), 1–11 Jan 2026 off: Tue 30 Dec is the last day of 2025.
    assert cal.is_open(msk(2025, 12, 30, 17, 59))
    assert cal.next_open(msk(2025, 12, 30, 18)) == msk(2026, 1, 12, 9)
    assert cal.add(msk(2025, 12, 30, 17), 61) == msk(2026, 1, 12, 9, 1)
    assert cal.between(msk(2025, 12, 30, 17), msk(2026, 1, 12, 10)) == 120


def test_may_holidays(cal: BusinessCalendar) -> None:
    # 2025: 1–4 May and 8–11 May off; Mon–Wed 5–7 May open.
    assert cal.next_open(msk(2025, 4, 30, 18)) == msk(2025, 5, 5, 9)
    assert cal.next_open(msk(2025, 5, 7, 18)) == msk(2025, 5, 12, 9)
    # 28–30 Apr, 5–7 May and Mon 12 May.
    assert cal.between(msk(2025, 4, 28), msk(2025, 5, 13)) == 7 * 540
    # 2026: 1–3 May and 9–11 May off; Mon–Thu 4–7 May open, Tue 12 May next.
    assert cal.next_open(msk(2026, 5, 7, 18)) == msk(2026, 5, 12, 9)
    assert cal.between(msk(2026, 5, 4), msk(2026, 5, 13)) == 5 * 540  # 4–7 and 12 May


def test_november_2025_transfer(cal: BusinessCalendar) -> None:
    # Mon 3 Nov 2025 off (moved from Sat 1 Nov), Tue 4 Nov Unity Day.
    assert not cal.is_open(msk(2025, 11, 3, 12))
    assert not cal.is_open(msk(2025, 11, 4, 12))
    assert cal.next_open(msk(2025, 10, 30, 18)) == msk(2025, 11, 5, 9)
    assert cal.add(msk(2025, 10, 30, 9), 24 * 60) == msk(2025, 11, 6, 15)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2025, 1, 13, 6, tzinfo=UTC),
        datetime(2025, 1, 13, 16, tzinfo=ZoneInfo("Asia/Vladivostok")),
        datetime(2025, 1, 13, 7, tzinfo=ZoneInfo("Europe/Berlin")),
    ],
)
def test_inputs_in_other_zones_answer_in_moscow(cal: BusinessCalendar, start: datetime) -> None:
    end = cal.add(start, 540)
    assert end == msk(2025, 1, 13, 18)
    assert end.tzinfo == MSK and end.hour == 18
    assert cal.next_open(start).tzinfo == MSK
    assert cal.between(start, end) == 540


def test_naive_datetimes_are_refused(cal: BusinessCalendar) -> None:
    naive = datetime(2025, 1, 13, 9)
    calls: list[Callable[[], Any]] = [
        lambda: cal.is_open(naive),
        lambda: cal.next_open(naive),
        lambda: cal.add(naive, 10),
        lambda: cal.add(naive, 0),
        lambda: cal.between(naive, msk(2025, 1, 14)),
        lambda: cal.between(msk(2025, 1, 14), naive),
    ]
    for call in calls:
        with pytest.raises(NaiveDatetimeError, match="no time zone"):
            call()
    assert issubclass(NaiveDatetimeError, ValueError)


def test_negative_minutes_are_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add(msk(2025, 1, 13, 9), -1)


def test_between_is_floored_and_antisymmetric(cal: BusinessCalendar) -> None:
    a = msk(2025, 1, 13, 9, 0, 30)
    b = msk(2025, 1, 13, 9, 2, 29, 999999)
    assert cal.between(a, b) == 1
    assert cal.between(b, a) == -1
    assert cal.between(a, a) == 0


def test_seconds_and_microseconds_are_kept_exactly(cal: BusinessCalendar) -> None:
    t = msk(2025, 1, 13, 17, 59, 59, 999999)
    assert cal.add(t, 1) == msk(2025, 1, 14, 9, 0, 59, 999999)
    t = msk(2099, 12, 28, 17, 30, 0, 1)  # late years too: float rounding would show here
    end = cal.add(t, 30)
    assert end.microsecond == 1 and cal.between(t, end) == 30


def test_range_is_2000_to_2100(cal: BusinessCalendar) -> None:
    # The first instant supported; Mon 3 and Tue 4 Jan 2000 were days off.
    assert cal.next_open(msk(2000, 1, 1)) == msk(2000, 1, 5, 9)
    with pytest.raises(ValueError, match="outside"):
        cal.is_open(msk(1999, 12, 31, 12))
    with pytest.raises(ValueError, match="outside"):
        cal.add(msk(2101, 1, 3, 12), 1)
    with pytest.raises(ValueError, match="after 2100"):
        cal.add(msk(2100, 12, 1, 12), 100 * 540)
    with pytest.raises(ValueError, match="after 2100"):
        cal.add(msk(2025, 1, 13, 12), 10**12)


def test_add_across_many_years(cal: BusinessCalendar) -> None:
    t = msk(2024, 6, 3, 9)
    minutes = 3 * 190 * 540  # roughly three years of business days
    end = cal.add(t, minutes)
    assert end.year == 2027
    assert cal.between(t, end) == minutes


# -- random policies against a dumb oracle --------------------------------------------------

MINUTE_US = 60_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = [
    "Europe/Moscow",  # DST until 2011, +4 in 2011–2014
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",  # DST switched at midnight until 2019
    "Australia/Lord_Howe",  # 30-minute DST
    "Asia/Kathmandu",
    "Asia/Vladivostok",
    "UTC",
]
OTHER_ZONES = [
    ZoneInfo(z) for z in ("UTC", "Asia/Vladivostok", "America/New_York", "Europe/Berlin")
]
HOLIDAYS: list[dict[str, str] | None] = [
    None,
    {"country": "RU"},
    {"country": "DE", "subdivision": "BY"},
    {"country": "US"},
]


def to_us(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1)


def from_us(x: int) -> datetime:
    return EPOCH + timedelta(microseconds=x)


@dataclass
class Oracle:
    """Which minutes are open, decided one minute at a time by reading the wall clock.

    The desk is open at instant u when the furthest the wall clock has got by u lies in the
    hours of that wall date: clocks going back do not reopen hours already passed, and hours
    the clocks skip never happen.
    """

    policy: Policy
    start: int  # epoch µs, whole minute
    open: list[bool] = field(default_factory=list)
    _days: dict[date, tuple[Interval, ...]] = field(default_factory=dict)
    _off: dict[int, set[date]] = field(default_factory=dict)

    def hours(self, day: date) -> tuple[Interval, ...]:
        if day not in self._days:
            p = self.policy
            if day.year not in self._off:
                self._off[day.year] = (
                    set(
                        holidays.country_holidays(
                            p.holidays.country, subdiv=p.holidays.subdivision, years=day.year
                        )
                    )
                    if p.holidays
                    else set()
                )
            off = self._off[day.year]
            if day in p.extra_open_dates:
                self._days[day] = p.extra_open_dates[day]
            elif day in p.extra_closed_dates or day in off:
                self._days[day] = ()
            else:
                self._days[day] = p.schedule.get(WEEKDAYS[day.weekday()], ())
        return self._days[day]

    def build(self, minutes: int) -> Oracle:
        tz = self.policy.tz
        furthest: datetime | None = None
        for m in range(-240, minutes):  # 4 h before the window to learn the clock's past
            wall = from_us(self.start + m * MINUTE_US).astimezone(tz).replace(tzinfo=None)
            furthest = wall if furthest is None or wall > furthest else furthest
            if m < 0:
                continue
            midnight = datetime.combine(furthest.date(), datetime.min.time())
            offset = (furthest - midnight) // timedelta(minutes=1)
            self.open.append(any(i.start <= offset < i.end for i in self.hours(furthest.date())))
        return self

    def minute(self, x: int) -> int:
        return (x - self.start) // MINUTE_US

    def is_open(self, x: int) -> bool:
        return self.open[self.minute(x)]

    def next_open(self, x: int) -> int | None:
        m = self.minute(x)
        if self.open[m]:
            return x
        for k in range(m + 1, len(self.open)):
            if self.open[k]:
                return self.start + k * MINUTE_US
        return None

    def add(self, x: int, minutes: int) -> int | None:
        if minutes == 0:
            return self.next_open(x)
        need = minutes * MINUTE_US
        m = self.minute(x)
        for k in range(m, len(self.open)):
            if not self.open[k]:
                continue
            begin = x if k == m else self.start + k * MINUTE_US
            have = self.start + (k + 1) * MINUTE_US - begin
            if need <= have:
                return begin + need
            need -= have
        return None

    def open_us(self, a: int, b: int) -> int:
        total = 0
        for k in range(self.minute(a), self.minute(b) + 1):
            if k < len(self.open) and self.open[k]:
                lo = max(a, self.start + k * MINUTE_US)
                hi = min(b, self.start + (k + 1) * MINUTE_US)
                total += max(0, hi - lo)
        return total


BOUNDARIES = st.one_of(
    st.sampled_from([0, 60, 90, 120, 150, 180, 540, 1080, 1380, 1440]),
    st.integers(0, 1440),
)


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    points = sorted(set(draw(st.lists(BOUNDARIES, min_size=0, max_size=8))))
    hours = []
    for a, b in pairwise(points):
        if draw(st.booleans()):
            hours.append(str(Interval(a, b)))
    return hours


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, int]:
    """A stretch of days to test in, often across a DST change or a new year."""
    year = draw(st.integers(2000, 2099))
    month, first_day = draw(
        st.one_of(
            st.tuples(st.integers(1, 12), st.integers(1, 28)),
            st.sampled_from([(3, 1), (3, 20), (9, 25), (10, 15), (12, 10), (12, 28)]),
        )
    )
    days = draw(st.integers(10, 75))
    return datetime(year, month, first_day, tzinfo=UTC), days


@st.composite
def policies(draw: st.DrawFn, window: tuple[datetime, int]) -> Policy:
    start, days = window
    schedule = {day: draw(day_hours()) for day in draw(st.sets(st.sampled_from(WEEKDAYS)))}
    if not any(schedule.values()):
        schedule["mon"] = ["09:00-18:00"]
    in_window = st.integers(-2, days + 2).map(lambda n: (start + timedelta(days=n)).date())
    closed = draw(st.sets(in_window, max_size=4))
    opened = draw(st.dictionaries(in_window, day_hours().filter(bool), max_size=3))
    return Policy.model_validate(
        {
            "version": "test",
            "effective_from": "2000-01-01",
            "timezone": draw(st.sampled_from(ZONES)),
            "schedule": schedule,
            "holidays": draw(st.sampled_from(HOLIDAYS)),
            "extra_closed_dates": sorted(closed - set(opened)),
            "extra_open_dates": {d.isoformat(): h for d, h in opened.items()},
        }
    )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_calendar_matches_minute_by_minute_oracle(data: st.DataObject) -> None:
    window = data.draw(windows())
    policy = data.draw(policies(window))
    start, days = window
    oracle = Oracle(policy, to_us(start)).build(days * 24 * 60)
    cal = BusinessCalendar(policy)
    last = oracle.start + len(oracle.open) * MINUTE_US - 1
    instants = st.one_of(
        st.integers(oracle.start, last),
        st.integers(0, len(oracle.open) - 1).map(lambda m: oracle.start + m * MINUTE_US),
    )

    for _ in range(8):
        x = data.draw(instants)
        t = from_us(x).astimezone(data.draw(st.sampled_from([policy.tz, *OTHER_ZONES])))

        assert cal.is_open(t) == oracle.is_open(x)

        expected = oracle.next_open(x)
        if expected is not None:
            got = cal.next_open(t)
            assert to_us(got) == expected and got.tzinfo == policy.tz

        # An amount whose answer lies inside the window.
        m = oracle.minute(x)
        room = sum(oracle.open[m:]) - 1
        if room >= 0:
            n = data.draw(st.one_of(st.integers(0, min(room, 120)), st.integers(0, room)))
            got = cal.add(t, n)
            assert to_us(got) == oracle.add(x, n), (t, n)
            assert got.tzinfo == policy.tz
            assert cal.between(t, got) == n

        y = data.draw(instants)
        u = from_us(y).astimezone(policy.tz)
        expected_minutes = oracle.open_us(min(x, y), max(x, y)) // MINUTE_US
        assert cal.between(t, u) == (expected_minutes if y >= x else -expected_minutes)
        k = cal.between(t, u)
        if k > 0:
            # add(t, k) is the first instant with k open minutes since t: not after u; and
            # u is too early for one minute more.
            assert to_us(cal.add(t, k)) <= y < to_us(cal.add(t, k + 1))


def night_desk(sunday: list[str]) -> BusinessCalendar:
    return BusinessCalendar(
        Policy.model_validate(
            {
                "version": "night",
                "effective_from": "2000-01-01",
                "timezone": "Europe/Berlin",
                "schedule": {"sun": sunday},
            }
        )
    )


def test_clocks_going_forward_skip_the_missing_hour() -> None:
    # Berlin, Sun 30 Mar 2025: 02:00 CET jumps to 03:00 CEST. 01:30-02:30 closes at the jump,
    # and 02:40-04:00 opens at it: 30 + 60 minutes of real time.
    cal = night_desk(["01:30-02:30", "02:40-04:00"])
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime(2025, 3, 30, tzinfo=berlin)
    assert cal.between(day, day + timedelta(days=1)) == 90
    assert cal.add(datetime(2025, 3, 30, 1, 30, tzinfo=berlin), 30) == datetime(
        2025, 3, 30, 3, tzinfo=berlin
    )
    assert cal.is_open(datetime(2025, 3, 30, 3, 59, tzinfo=berlin))
    assert night_desk(["02:10-02:50", "05:00-06:00"]).between(day, day + timedelta(days=1)) == 60


def test_clocks_going_back_close_at_the_first_closing_time() -> None:
    # Berlin, Sun 26 Oct 2025: 03:00 CEST goes back to 02:00 CET; 02:00-03:00 happens twice.
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime(2025, 10, 26, tzinfo=berlin)
    cal = night_desk(["01:00-02:30"])
    assert cal.between(day, day + timedelta(days=1)) == 90  # closes at the first 02:30
    second_pass = datetime(2025, 10, 26, 2, 10, fold=1, tzinfo=berlin)
    assert not cal.is_open(second_pass)
    cal = night_desk(["02:30-03:00"])  # opens at the first 02:30, closes at 03:00 CET
    assert cal.between(day, day + timedelta(days=1)) == 90
    assert cal.is_open(second_pass)


# -- add()'s fast paths agree with its general one -------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Berlin", "Asia/Kathmandu"])
def test_add_is_the_same_whatever_zone_or_order_the_starts_come_in(zone: str) -> None:
    # Times in the policy's zone in fixed-offset years take a wall-clock shortcut, others the
    # general path; the span of years grows as starts far apart arrive. All must agree, to
    # the microsecond, and be the first instant with that many open minutes.
    policy = Policy.model_validate(
        {
            "version": "t",
            "effective_from": "2000-01-01",
            "timezone": zone,
            "schedule": {"mon": ["09:00-18:00"], "tue": ["00:00-24:00"], "sun": ["01:30-03:30"]},
            "holidays": {"country": "RU"},
        }
    )
    tz = policy.tz
    rng = random.Random(zone)
    # Years in the span's order of arrival: not adjacent, then filling in, then earlier.
    years = [2025, 2028, 2027, 2026, 2013, 2014, 2011, 2024, 2099]
    cal, fresh = BusinessCalendar(policy), BusinessCalendar
    for year in years:
        for _ in range(40):
            x = to_us(datetime(year, 1, 1, tzinfo=UTC)) + rng.randrange(366 * 86_400_000_000)
            x -= x % 60_000_000 if rng.random() < 0.3 else 0  # some on whole minutes
            local = from_us(x).astimezone(tz)
            n = rng.choice([1, 59, 540, 541, 24 * 60 * 9, rng.randrange(1, 30_000)])
            got = cal.add(local, n)
            assert got == cal.add(from_us(x), n) == fresh(policy).add(local, n), (local, n)
            assert got.tzinfo is tz
            assert cal.between(local, got) == n
            assert cal.between(local, got - timedelta(microseconds=1)) == n - 1


def test_moscow_years_with_and_without_a_fixed_offset() -> None:
    cal = BusinessCalendar(
        Policy.model_validate(
            {"version": "t", "effective_from": "2000-01-01", "timezone": "Europe/Moscow",
             "schedule": {day: ["00:00-24:00"] for day in WEEKDAYS}}
        )
    )  # fmt: skip
    # 26 Oct 2014: 02:00 MSK+4 went back to 01:00 MSK+3; 01:30 happened twice.
    first = datetime(2014, 10, 26, 1, 30, tzinfo=MSK)
    second = first.replace(fold=1)
    assert to_us(cal.add(first, 60)) == to_us(first) + 60 * MINUTE_US
    assert to_us(cal.add(second, 60)) == to_us(second) + 60 * MINUTE_US
    # 2025 has one offset throughout: the wall-clock shortcut, around the new year too.
    for t in (msk(2024, 12, 31, 23, 59, 59, 999999), msk(2025, 1, 1), msk(2025, 12, 31, 23, 59)):
        assert to_us(cal.add(t, 1)) == to_us(t) + MINUTE_US
        assert cal.add(t, 1) == cal.add(t.astimezone(UTC), 1)
