"""The business calendar over HTTP: add business minutes, count them, ask if the desk is open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Path, Query, Request

from services.sla.api.models import (
    AddIn,
    AddOut,
    BetweenIn,
    BetweenOut,
    CalendarDayOut,
    CalendarYearOut,
    ClosedDayOut,
    OpenOut,
    PolicyOut,
)
from services.sla.domain.year import notable_days
from shared.contracts.api import PROBLEM_RESPONSES
from shared.contracts.events import Language
from shared.errors import UnprocessableError
from shared.policy.book import PolicyBook
from shared.policy.calendar import FIRST_YEAR, LAST_YEAR, BusinessCalendar

T = TypeVar("T")

router = APIRouter(prefix="/v1", tags=["calendar"], responses=PROBLEM_RESPONSES)


def _book(request: Request) -> PolicyBook:
    book: PolicyBook = request.app.state.book
    return book


def _calendar(request: Request, at: datetime, field: str) -> BusinessCalendar:
    book = _book(request)
    return _compute(field, lambda: book.calendar(book.at(at).version))


def _compute(field: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except ValueError as exc:  # out of the calendar's range, or an absurd amount
        raise UnprocessableError(
            f"{field}: {exc}", errors=[{"field": field, "reason": str(exc)}]
        ) from None


@router.post("/calendar/add", summary="Add business minutes to an instant")
async def add(body: AddIn, request: Request) -> AddOut:
    calendar = _calendar(request, body.start, "start")
    return AddOut(end=_compute("start", lambda: calendar.add(body.start, body.minutes)))


@router.post("/calendar/between", summary="Business minutes between two instants")
async def between(body: BetweenIn, request: Request) -> BetweenOut:
    calendar = _calendar(request, body.start, "start")
    return BetweenOut(minutes=_compute("start", lambda: calendar.between(body.start, body.end)))


@router.get("/calendar/open", summary="Is the desk open at an instant, and when it next opens")
async def is_open(
    request: Request,
    at: Annotated[datetime | None, Query(description="ISO 8601 with offset; default: now")] = None,
) -> OpenOut:
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        raise UnprocessableError(
            "at: give a time zone offset (e.g. +03:00 or Z); a local time is ambiguous",
            errors=[{"field": "at", "reason": "no time zone offset"}],
        )
    calendar = _calendar(request, moment, "at")
    return OpenOut(
        open=_compute("at", lambda: calendar.is_open(moment)),
        next_open=_compute("at", lambda: calendar.next_open(moment)),
    )


# Languages of the holiday names, as the holidays package spells them.
_NAME_LANGUAGES = {"ru": "ru", "en": "en_US"}


@router.get(
    "/calendar/closed-days", summary="Days the desk is closed though it would usually be open"
)
async def closed_days(
    request: Request,
    start: Annotated[
        date | None, Query(description="the first day; default: today in the desk's zone")
    ] = None,
    days: Annotated[int, Query(ge=1, le=366, description="how many days from the first")] = 60,
    language: Annotated[
        Language, Query(description="of the holidays' names, where there is one")
    ] = Language.ru,
) -> list[ClosedDayOut]:
    """Upcoming public holidays and extra closed dates that fall on the desk's working days
    (clause 1): what a customer should plan around. The policy in force now decides."""
    now = datetime.now(UTC)
    calendar = _calendar(request, now, "days")
    first = start or now.astimezone(calendar.tz).date()
    if not FIRST_YEAR <= first.year < LAST_YEAR:
        reason = f"the calendar covers {FIRST_YEAR}–{LAST_YEAR}"
        raise UnprocessableError(f"start: {reason}", errors=[{"field": "start", "reason": reason}])
    last = first + timedelta(days=days - 1)
    found = _compute("start", lambda: calendar.closed_days(first, last, _NAME_LANGUAGES[language]))
    return [ClosedDayOut(date=day, name=name) for day, name in found]


@router.get("/policy", summary="The policy in force, and every version")
async def policy(request: Request) -> PolicyOut:
    book = _book(request)
    return PolicyOut(
        in_force=book.at(datetime.now(UTC)).version,
        versions=[p.model_dump(mode="json") for p in book.policies],
    )


@router.get("/calendar/years/{year}", summary="A year's holidays, transfers and special hours")
async def year(
    request: Request,
    year: Annotated[int, Path(ge=2000, le=2100)],
    language: Annotated[Literal["ru", "en"], Query(description="of the holidays' names")] = "ru",
) -> CalendarYearOut:
    """Under the policy in force on the year's first day (or now, for a year under way)."""
    book = _book(request)
    now = datetime.now(UTC)
    moment = now if now.year == year else datetime(year, 1, 1, tzinfo=UTC)
    policy = book.at(moment)
    calendar = book.calendar(policy.version)
    days = _compute(
        "year", lambda: notable_days(calendar, year, "en_US" if language == "en" else "ru")
    )
    return CalendarYearOut(
        year=year,
        version=policy.version,
        timezone=policy.timezone,
        schedule={day: [str(i) for i in hours] for day, hours in policy.schedule.items()},
        days=[
            CalendarDayOut(
                date=d.day, kind=d.kind.value, name=d.name, hours=[str(i) for i in d.hours]
            )
            for d in days
        ],
    )
