"""Benchmark the business calendar against pandas' CustomBusinessHour, and check they agree.

Run from the repository root with pandas installed: ``python bench/bench_calendar.py``.

Both get the bundled policy's desk — Mon–Thu 09:00–18:00 Moscow, Russia's days off — and the
same random starts over 2025–2026. pandas adds whole hours only, and reports an answer that
lands on a closing time as the next opening, so amounts are whole hours and our closing-time
answers are mapped to the next opening before comparing. Any disagreement exits non-zero.

pandas gets its best case: naive local Timestamps and one prebuilt offset per amount, built
outside the timed loop. The more usual ``n * offset`` per call is timed too, for reference.
Every timing is the best of ``--repeat`` runs, for both sides alike, so that a stray pause of
the machine does not decide the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from shared.policy.calendar import BusinessCalendar
from shared.policy.policy import WEEKDAYS, load_policy

GOAL = 50.0
MAX_HOURS = 9 * 20  # up to four weeks of business hours


def days_off(cal: BusinessCalendar, first: date, last: date) -> list[date]:
    """Days the desk would open by its weekly schedule but is closed (holidays, closures)."""
    weekdays = {WEEKDAYS.index(name) for name, hours in cal.policy.schedule.items() if hours}
    out, day = [], first
    while day <= last:
        if day.weekday() in weekdays and not cal.open_hours(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def best_time(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} calls/s ({seconds / count * 1e6:.2f} µs/call)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pandas-count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()
    try:
        import pandas as pd  # type: ignore[import-untyped]
        from pandas.tseries.offsets import CustomBusinessHour  # type: ignore[import-untyped]
    except ImportError:
        print("pandas is not installed: `pip install pandas` (make bench does it)")
        return 2

    policy = load_policy()
    cal = BusinessCalendar(policy)
    tz = policy.tz
    rng = random.Random(args.seed)
    span = int((datetime(2027, 1, 1, tzinfo=tz) - datetime(2025, 1, 1, tzinfo=tz)).total_seconds())
    base = datetime(2025, 1, 1, tzinfo=tz)

    def instant() -> datetime:
        t = base + timedelta(seconds=rng.randrange(span))
        return t if rng.random() < 0.5 else t.replace(second=0)  # some on whole minutes

    starts = [instant() for _ in range(args.count)]
    hours = [rng.randint(1, MAX_HOURS) for _ in range(args.count)]
    minutes = [h * 60 for h in hours]
    ends = [instant() for _ in range(args.count)]

    # Warm up: build the years the runs touch, so the timings are of steady-state calls.
    for t in (datetime(2024, 12, 31, tzinfo=tz), datetime(2027, 6, 1, tzinfo=tz)):
        cal.add(t, 1)

    add = cal.add
    ours = [add(t, m) for t, m in zip(starts, minutes, strict=True)]  # the answers compared
    ours_s = best_time(
        args.repeat, lambda: [add(t, m) for t, m in zip(starts, minutes, strict=True)]
    )

    between = cal.between
    between_s = best_time(
        args.repeat, lambda: [between(a, b) for a, b in zip(starts, ends, strict=True)]
    )

    holidays = days_off(cal, date(2024, 1, 1), date(2027, 12, 31))
    opening = CustomBusinessHour(
        n=1, start="09:00", end="18:00", weekmask="Mon Tue Wed Thu", holidays=holidays
    )
    offsets = {h: opening * h for h in set(hours)}
    n_pd = min(args.pandas_count, args.count)
    pd_starts = [pd.Timestamp(t.replace(tzinfo=None)) for t in starts[:n_pd]]
    pd_offsets = [offsets[h] for h in hours[:n_pd]]
    theirs = [t + o for t, o in zip(pd_starts, pd_offsets, strict=True)]  # the answers compared
    pandas_s = best_time(
        args.repeat, lambda: [t + o for t, o in zip(pd_starts, pd_offsets, strict=True)]
    )

    n_usual = min(20_000, n_pd)
    usual_starts, usual_hours = pd_starts[:n_usual], hours[:n_usual]
    usual_s = best_time(
        args.repeat,
        lambda: [t + opening * h for t, h in zip(usual_starts, usual_hours, strict=True)],
    )

    mismatches = 0
    for i in range(n_pd):
        # pandas moves an answer on a closing time to the next opening; so do we, to compare.
        mapped = cal.next_open(ours[i]).replace(tzinfo=None)
        if mapped != theirs[i].to_pydatetime():
            mismatches += 1
            if mismatches <= 10:
                print(f"MISMATCH {starts[i].isoformat()} + {hours[i]} h: "
                      f"ours {ours[i].isoformat()}, pandas {theirs[i]}")  # fmt: skip

    ours_rate = args.count / ours_s
    pandas_rate = n_pd / pandas_s
    ratio = ours_rate / pandas_rate
    print(f"inputs: {args.count:,} random starts in 2025–2026, 1–{MAX_HOURS} business hours")
    print(f"BusinessCalendar.add     {rate(args.count, ours_s)}")
    print(f"pandas CBH, best case    {rate(n_pd, pandas_s)}"
          + (f"  [on the first {n_pd:,} inputs]" if n_pd < args.count else ""))  # fmt: skip
    print(f"pandas CBH, n * offset   {rate(n_usual, usual_s)}  [on the first {n_usual:,}]")
    print(f"BusinessCalendar.between {rate(args.count, between_s)}")
    print(f"timings: best of {args.repeat} runs each")
    print(f"answers compared: {n_pd:,}, mismatches: {mismatches}")
    print(f"RATIO add vs pandas best case: {ratio:.1f}x "
          f"(vs n * offset: {ours_rate / (n_usual / usual_s):.1f}x); "
          f"goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'NOT met'}")  # fmt: skip
    if mismatches:
        print(f"FAILED: {mismatches} answers disagree with pandas")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
