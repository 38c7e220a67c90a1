"""A year of the business calendar as people read it: the days that are not as the weekly
schedule has them (holidays, transfers, extra dates), for the console's admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.policy.calendar import BusinessCalendar
from shared.policy.policy import WEEKDAYS, Interval


class DayKind(StrEnum):
    holiday = "holiday"  # a day off of the holiday calendar
    closed = "closed"  # a day the schedule opens that the policy closes (extra_closed_dates)
    working = "working"  # a weekend day the state or the policy makes a working day
    changed_hours = "changed_hours"  # open, but not the weekday's usual hours


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    name: str | None
    hours: tuple[Interval, ...]  # what the desk keeps that day; () closed


def notable_days(
    calendar: BusinessCalendar, year: int, language: str | None = None
) -> list[CalendarDay]:
    """Every day of ``year`` that a holiday calendar names or the desk keeps otherwise than
    its weekday's schedule, in date order. ValueError outside the calendar's years."""
    names, workdays = calendar.named_days(year, language)
    schedule = calendar.policy.schedule
    found: list[CalendarDay] = []
    day = date(year, 1, 1)
    while day.year == year:
        hours = calendar.open_hours(day)
        usual = schedule.get(WEEKDAYS[day.weekday()], ())
        kind: DayKind | None = None
        if day in names:
            kind = DayKind.holiday
        elif day in workdays or (hours and not usual):
            kind = DayKind.working
        elif usual and not hours:
            kind = DayKind.closed
        elif hours != usual:
            kind = DayKind.changed_hours
        if kind is not None:
            found.append(CalendarDay(day, kind, names.get(day), hours))
        day += timedelta(days=1)
    return found
