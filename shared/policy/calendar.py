"""The business calendar: when the desk is open, and business-minute arithmetic on it.

Rules (SPEC, "The SLA clock, exactly"):

- Open intervals are ``[start, end)`` in the policy's zone; a closing time is closed.
- ``add(t, n)`` is the earliest instant at which ``n`` open minutes have passed since ``t``.
  An answer that lands on a closing time *is* that closing time (Mon 09:00 + 540 min =
  Mon 18:00). ``add(t, 0)`` is ``t`` if open, else :meth:`BusinessCalendar.next_open` — a clock
  that starts while closed starts at the next opening.
- ``between(a, b)`` counts open time in ``[a, b)``, floored to whole minutes;
  ``between(b, a) == -between(a, b)``.
- Which days open: a date in ``extra_open_dates`` keeps the hours given there; otherwise a date
  in ``extra_closed_dates`` or a day off of the holiday calendar is closed; otherwise the
  weekday's schedule applies. Holiday calendars only ever *close* days: a Saturday the
  government makes a working day does not open a Mon–Thu desk (use ``extra_open_dates``).
- Local hours become instants at "the first moment the wall clock reads that time": an
  ambiguous time (clocks going back) is its first occurrence, and a time that does not exist
  (clocks going forward) is the moment the clocks jump past it.

Inputs are aware datetimes in any zone (naive ones raise :class:`NaiveDatetimeError`); answers
are in the policy's zone. Seconds and microseconds are kept exactly. Years 2000–2100 are
supported; beyond them a :class:`ValueError` is raised.

Speed: each local year is turned once, on first use, into sorted arrays of its open intervals
in epoch microseconds plus running open totals, so a call is a few bisections — no walking
over days. The arrays hold floats: every value is a whole number of microseconds below 2**53,
which a float holds exactly, and sums and differences of such numbers stay exact; floats just
compare and add faster than Python's multi-digit ints. :meth:`BusinessCalendar.add`, the hot
path, also keeps the years it has used laid end to end (the "span"), and for times in the
policy's zone in a year of one fixed UTC offset (Moscow's since 2014) turns them into instants
by wall-clock arithmetic rather than asking the zone for the offset: converting datetimes in
and out is most of its cost.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

import holidays as holidays_lib

from shared.policy.policy import DAY_MINUTES, WEEKDAYS, Interval, Policy

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100

_US: Final = 1e6
_INF: Final = float("inf")
_MINUTE_US: Final = 60e6
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US: Final = timedelta(microseconds=1)
_fromtimestamp: Final = datetime.fromtimestamp


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone: the calendar cannot tell which instant it means."""


@dataclass(frozen=True, slots=True)
class _Year:
    """Open intervals of one local year in epoch µs, with running open totals."""

    starts: list[float]
    ends: list[float]
    # cum_end[i]: open µs of this year up to ends[i]; the last one is the year's total.
    cum_end: list[float]

    @property
    def total(self) -> float:
        return self.cum_end[-1] if self.cum_end else 0.0

    def open_before(self, x: float) -> float:
        """Open µs of this year before instant ``x`` (which lies in this year)."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return 0.0
        end = self.ends[i]
        return self.cum_end[i] - (end - x if x < end else 0.0)


class BusinessCalendar:
    """Business time of one policy. Pure and deterministic; safe to share and to cache."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.tz = policy.tz
        # Local midnight of 1 January of every supported year and of the year after the last:
        # year k spans [_edges[k], _edges[k + 1]).
        self._edges = [
            float(self._instant(datetime(year, 1, 1))) for year in range(FIRST_YEAR, LAST_YEAR + 2)
        ]
        self._years: list[_Year | None] = [None] * (LAST_YEAR - FIRST_YEAR + 1)
        # By local year, what add() subtracts from a time in the policy's zone to get its time
        # since the epoch (see there). Indexed by the year itself: quicker than a dict.
        self._epochs = [_EPOCH] * (LAST_YEAR + 1)
        # The span (see _cover): built years [lo, hi) as flat arrays; only its guard so far.
        self._span_years = (0, 0)
        self._span_starts = [timedelta.min]
        self._span_info = [(timedelta.max, _INF, _INF)]
        self._span_cum_end = [-_INF]
        self._span_shift = [_INF]
        self._span_total = 0.0

    # -- public API -------------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        x = _to_us(t)
        year = self._year(self._year_index(x))
        i = bisect_right(year.starts, x) - 1
        return i >= 0 and x < year.ends[i]

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself (in the policy's zone) if open, else the next opening."""
        return self._at(self._next_open(_to_us(t)))

    def add(self, t: datetime, minutes: int) -> datetime:
        """The earliest instant at which ``minutes`` open minutes have passed since ``t``."""
        # The hot path of the service and of the benchmark: written out inline, since helper
        # calls would cost a fifth of the time.
        try:
            # t's time since the epoch, as a timedelta: dividing it into µs costs as much as
            # the subtraction, so that waits until it is needed. In a year of one fixed UTC
            # offset, _epochs holds the epoch as a wall time of the policy's zone; subtracting
            # it from a t in the same zone object is plain wall-clock arithmetic, far cheaper
            # than asking the zone for t's offset.
            since = t - (self._epochs[t.year] if t.tzinfo is self.tz else _EPOCH)
        except (TypeError, AttributeError, IndexError):
            # A naive t raises the helpful error here; a year past LAST_YEAR just converts.
            since = _to_us(t) * _ONE_US
        if minutes <= 0:
            if minutes < 0:
                raise ValueError(f"cannot add a negative number of business minutes ({minutes})")
            return self._at(self._next_open(since / _ONE_US))
        # Fast path: start and answer both inside the span of years (see _cover).
        end, cum_end, shift = self._span_info[bisect_right(self._span_starts, since) - 1]
        # Open µs from the span's start to the answer: up to t (all of its interval if t is
        # past it, i.e. closed), plus the amount.
        if since < end:
            target = since / _ONE_US + shift + minutes * _MINUTE_US  # exact: see the docstring
        else:
            target = cum_end + minutes * _MINUTE_US
        if target <= self._span_total:
            # bisect_left picks the interval where the target is first reached, so an answer
            # on a closing time stays there instead of moving on to the next opening.
            j = bisect_left(self._span_cum_end, target)
            return _fromtimestamp((target - self._span_shift[j]) / _US, self.tz)
        return self._at(self._add_slow(t, since / _ONE_US, minutes))

    def between(self, a: datetime, b: datetime) -> int:
        """Whole open minutes in ``[a, b)``; negative (``-between(b, a)``) when b is before a."""
        xa, xb = _to_us(a), _to_us(b)
        if xb < xa:
            return -int(self._open_us(xb, xa) // _MINUTE_US)
        return int(self._open_us(xa, xb) // _MINUTE_US)

    def open_hours(self, day: date) -> tuple[Interval, ...]:
        """The local hours the desk keeps on ``day``, after holidays and extra dates."""
        policy = self.policy
        extra = policy.extra_open_dates.get(day)
        if extra is not None:
            return extra
        if day in policy.extra_closed_dates or day in self._days_off(day.year):
            return ()
        return policy.schedule.get(WEEKDAYS[day.weekday()], ())

    def named_days(
        self, year: int, language: str | None = None
    ) -> tuple[dict[date, str], frozenset[date]]:
        """The holiday calendar's days off in ``year`` with their names (in ``language`` if
        it has them), and the weekend days it makes working days (transfers): what the admin
        page lists. Neither changes the desk's hours beyond ``open_hours``."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"{year} is outside {FIRST_YEAR}–{LAST_YEAR}")
        source = self.policy.holidays
        if source is None:
            return {}, frozenset()
        found = holidays_lib.country_holidays(source.country, subdiv=source.subdivision, years=year)
        if language in found.supported_languages:
            found = holidays_lib.country_holidays(
                source.country, subdiv=source.subdivision, years=year, language=language
            )
        names = {day: str(name) for day, name in found.items() if day.year == year}
        workdays = frozenset(getattr(found, "weekend_workdays", ()) or ())
        return names, frozenset(day for day in workdays if day.year == year)

    def closed_days(
        self, first: date, last: date, language: str | None = None
    ) -> list[tuple[date, str | None]]:
        """The days in ``[first, last]`` the weekly schedule would open but the desk is closed
        (a public holiday or an extra closed date), each with the holiday's name if it is one
        (in ``language``, e.g. "ru" or "en_US", where the holiday calendar has it)."""
        closed: list[tuple[date, str | None]] = []
        day = first
        while day <= last:
            if self.policy.schedule.get(WEEKDAYS[day.weekday()]) and not self.open_hours(day):
                closed.append((day, self._holiday_name(day, language)))
            day += timedelta(days=1)
        return closed

    def _holiday_name(self, day: date, language: str | None) -> str | None:
        source = self.policy.holidays
        if source is None or day not in self._days_off(day.year):
            return None
        return _holiday_names(source.country, source.subdivision, day.year, language).get(day)

    # -- internals --------------------------------------------------------------------------

    def _at(self, x: float) -> datetime:
        # x / 1e6 is within 0.25 µs of the true value for any supported year, and
        # fromtimestamp rounds to the nearest microsecond, so this is exact.
        return _fromtimestamp(x / _US, self.tz)

    def _year_index(self, x: float) -> int:
        k = bisect_right(self._edges, x) - 1
        if k < 0 or k >= len(self._years):
            raise ValueError(
                f"{_EPOCH + x * _ONE_US:%Y-%m-%d %H:%M:%S} UTC is outside the calendar's "
                f"range ({FIRST_YEAR}–{LAST_YEAR})"
            )
        return k

    def _year(self, k: int) -> _Year:
        year = self._years[k]
        if year is None:
            year = self._years[k] = self._build_year(FIRST_YEAR + k)
            offset = self._fixed_offset(k)
            if offset is not None:
                # Wall time at the epoch: t - this = (t's wall time - offset) - the epoch.
                self._epochs[FIRST_YEAR + k] = datetime(1970, 1, 1, tzinfo=self.tz) + offset
        return year

    def _fixed_offset(self, k: int) -> timedelta | None:
        """The UTC offset if it is the same all through local year ``k``, else None."""
        # Sampled hourly, from a day before the year to a day after: an offset change undone
        # within the hour would go unnoticed, and no zone has ever had one.
        first = int(self._edges[k]) // 1_000_000 - 86_400
        last = int(self._edges[k + 1]) // 1_000_000 + 86_400
        tz = self.tz
        offsets = {_fromtimestamp(s, tz).utcoffset() for s in range(first, last + 1, 3600)}
        if len(offsets) != 1:
            return None
        (offset,) = offsets
        return offset

    def _next_open(self, x: float) -> float:
        k = self._year_index(x)
        year = self._year(k)
        i = bisect_right(year.starts, x) - 1
        if i >= 0 and x < year.ends[i]:
            return x
        if i + 1 < len(year.starts):
            return year.starts[i + 1]
        for later in range(k + 1, len(self._years)):
            year = self._year(later)
            if year.starts:
                return year.starts[0]
        raise ValueError(f"the desk does not open again before the end of {LAST_YEAR}")

    def _add_slow(self, t: datetime, x: float, minutes: int) -> float:
        """:meth:`add` year by year, for starts or answers outside the span; widens it."""
        first = k = self._year_index(x)
        year = self._year(k)
        # target: open µs from the start of this year to the answer.
        target = minutes * _MINUTE_US + year.open_before(x)
        cum_end = year.cum_end
        while not cum_end or target > cum_end[-1]:
            target -= cum_end[-1] if cum_end else 0.0
            k += 1
            # The second test refuses absurd amounts before building a century of years.
            if k >= len(self._years) or minutes * _MINUTE_US > self._edges[-1] - x:
                raise ValueError(
                    f"{t.isoformat()} + {minutes} business minutes ends after {LAST_YEAR}, "
                    "beyond the calendar's range"
                )
            year = self._year(k)
            cum_end = year.cum_end
        j = bisect_left(cum_end, target)
        self._cover(first, k)
        return year.ends[j] - (cum_end[j] - target)

    def _cover(self, first: int, last: int) -> None:
        """Widen the span to years ``first..last`` (built) if they touch it, or start it there.

        The span is one run of consecutive years laid end to end, so that add() needs no year
        lookup and no stepping from year to year. Years far from it are left out: joining them
        would mean building every year in between.
        """
        lo, hi = self._span_years
        if lo < hi:
            if last < lo - 1 or first > hi:
                return
            first, last = min(first, lo), max(last, hi - 1)
        if (first, last + 1) == (lo, hi):
            return
        # A zero-length interval at the span's first instant, with nothing open before it: a
        # start between it and the first opening of the year then needs no special case.
        edge = self._edges[first]
        starts, ends, cum_end = [edge], [edge], [0.0]
        total = 0.0
        for k in range(first, last + 1):
            year = self._year(k)
            starts += year.starts
            ends += year.ends
            cum_end += [total + c for c in year.cum_end]
            total += year.total
        # shift[i] turns an instant inside interval i into open µs since the span's start.
        shift = [c - e for c, e in zip(cum_end, ends, strict=True)]
        self._span_years = (first, last + 1)
        # The fast path compares times since the epoch as timedeltas (see add()). Entry 0 is a
        # guard holding all time before the span: its infinite shift sends such starts to the
        # slow path.
        self._span_starts = [timedelta.min, *(x * _ONE_US for x in starts)]
        self._span_info = [
            (timedelta.max, _INF, _INF),
            *zip((x * _ONE_US for x in ends), cum_end, shift, strict=True),
        ]
        self._span_cum_end = [-_INF, *cum_end]
        self._span_shift = [_INF, *shift]
        self._span_total = total

    def _open_us(self, xa: float, xb: float) -> float:
        """Open µs in ``[xa, xb)``, xa <= xb."""
        ka, kb = self._year_index(xa), self._year_index(xb)
        year_a = self._year(ka)
        if ka == kb:
            # year_a.open_before(xb) - year_a.open_before(xa), inline: between()'s hot path.
            starts, ends, cum_end = year_a.starts, year_a.ends, year_a.cum_end
            i = bisect_right(starts, xb) - 1
            if i < 0:
                return 0.0
            end = ends[i]
            open_us = cum_end[i] - (end - xb if xb < end else 0.0)
            i = bisect_right(starts, xa, 0, i + 1) - 1
            if i >= 0:
                end = ends[i]
                open_us -= cum_end[i] - (end - xa if xa < end else 0.0)
            return open_us
        total = year_a.total - year_a.open_before(xa)
        for k in range(ka + 1, kb):
            total += self._year(k).total
        return total + self._year(kb).open_before(xb)

    def _days_off(self, year: int) -> frozenset[date]:
        source = self.policy.holidays
        if source is None:
            return frozenset()
        return _holiday_dates(source.country, source.subdivision, year)

    def _build_year(self, year: int) -> _Year:
        starts: list[float] = []
        ends: list[float] = []
        cum_end: list[float] = []
        total = 0
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            midnight = datetime(day.year, day.month, day.day)
            for interval in self.open_hours(day):
                start = self._instant(midnight + timedelta(minutes=interval.start))
                end = (
                    self._instant(midnight + one_day)
                    if interval.end == DAY_MINUTES
                    else self._instant(midnight + timedelta(minutes=interval.end))
                )
                if end <= start:
                    continue  # hours wholly inside an hour the clocks skip
                total += end - start
                if ends and ends[-1] == start:
                    # Back to back (09:00-13:00 then 13:00-18:00, or 24:00 meeting the next
                    # day's 00:00): one interval, fewer entries, the same answers.
                    ends[-1] = float(end)
                    cum_end[-1] = float(total)
                else:
                    starts.append(float(start))
                    ends.append(float(end))
                    cum_end.append(float(total))
            day += one_day
        return _Year(starts, ends, cum_end)

    def _instant(self, local: datetime) -> int:
        """Epoch µs of the first moment the wall clock in the policy's zone reads ``local``."""
        x = (local.replace(tzinfo=self.tz) - _EPOCH) // _ONE_US  # fold=0: first occurrence
        if self._wall(x) == local:
            return x
        # ``local`` was skipped by clocks going forward: answer the instant of the jump, the
        # first whose wall time is past ``local``. fold=0 and fold=1 bracket it.
        other = (local.replace(tzinfo=self.tz, fold=1) - _EPOCH) // _ONE_US
        lo, hi = min(x, other) // 1_000_000, max(x, other) // 1_000_000  # whole seconds
        while lo < hi:
            mid = (lo + hi) // 2
            if self._wall(mid * 1_000_000) > local:
                hi = mid
            else:
                lo = mid + 1
        return lo * 1_000_000

    def _wall(self, x: int) -> datetime:
        return (_EPOCH + x * _ONE_US).astimezone(self.tz).replace(tzinfo=None)


_holiday_cache: dict[tuple[str, str | None, int], frozenset[date]] = {}


def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    key = (country, subdivision, year)
    days = _holiday_cache.get(key)
    if days is None:
        found = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
        days = _holiday_cache[key] = frozenset(d for d in found if d.year == year)
    return days


_names_cache: dict[tuple[str, str | None, int, str | None], dict[date, str]] = {}


def _holiday_names(
    country: str, subdivision: str | None, year: int, language: str | None
) -> dict[date, str]:
    key = (country, subdivision, year, language)
    names = _names_cache.get(key)
    if names is None:
        supported = getattr(
            holidays_lib.country_holidays(country, subdiv=subdivision, years=year),
            "supported_languages",
            (),
        )
        found = holidays_lib.country_holidays(
            country,
            subdiv=subdivision,
            years=year,
            language=language if language in supported else None,
        )
        names = _names_cache[key] = {d: str(name) for d, name in found.items()}
    return names


def _to_us(t: datetime) -> float:
    """Epoch µs of an aware datetime, exactly (a whole number, held in a float)."""
    try:
        return (t - _EPOCH) / _ONE_US
    except TypeError:
        if isinstance(t, datetime):
            raise NaiveDatetimeError(
                f"{t.isoformat()} has no time zone: pass an aware datetime "
                "(e.g. with tzinfo=ZoneInfo('Europe/Moscow') or an ISO 8601 offset)"
            ) from None
        raise
