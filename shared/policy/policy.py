"""The SLA policy as data: hours, holidays and targets, read from a TOML file and validated.

A policy file holds one policy at its top level, or several versions as ``[[policy]]`` tables,
each with its own ``effective_from``; a ticket is measured by the version in force when it
arrived (:func:`policy_at`). A mistake in the file raises :class:`PolicyError` naming the file
and the field, e.g. ``policy.toml: schedule.mon[0]: end 08:00 is before start 09:00``.

Days and hours, in the policy's time zone:

- ``schedule`` maps weekday names (``mon`` … ``sun``) to lists of ``"HH:MM-HH:MM"`` intervals,
  each ``[start, end)``; ``24:00`` is allowed as an end. Days left out are closed.
- ``holidays`` names a calendar of the ``holidays`` package (``country``, optional
  ``subdivision``); its days off close the desk. Leave the table out for no public holidays.
- ``extra_closed_dates`` closes more dates; ``extra_open_dates`` maps a date to the hours the
  desk keeps on it, whatever its weekday and even on a holiday (a date may not be in both).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PositiveInt,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

BUNDLED_POLICY_FILE = Path(__file__).resolve().parent / "sviftcommunity.toml"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Index = date.weekday(), so a date's schedule is WEEKDAYS[d.weekday()].
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Complexity = Literal["simple", "standard", "complex"]
# The statuses in which the desk waits on someone else, so the clocks may pause in them.
WaitingStatus = Literal["waiting_customer", "waiting_partner", "in_development"]

DAY_MINUTES = 24 * 60


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and every bad field."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"{where}: {what}" if where else what for where, what in self.problems]
        if len(lines) == 1:
            message = f"{source}: {lines[0]}"
        else:
            message = f"{source}: {len(lines)} problems:\n  " + "\n  ".join(lines)
        super().__init__(message)


class _Problem(ValueError):
    """A validation message that points below the value that raised it (one interval of a day)."""

    def __init__(self, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


class Interval(NamedTuple):
    """Open hours ``[start, end)`` of one day, in minutes after local midnight (end ≤ 1440)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    @property
    def minutes(self) -> int:
        return self.end - self.start


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_interval(value: object) -> Interval:
    if isinstance(value, Interval):
        value = str(value)  # re-checked like text, so a hand-built Interval is held to the rules
    if not isinstance(value, str):
        raise ValueError(f"an interval is a string like '09:00-18:00', not {value!r}")
    match = _INTERVAL_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an interval like '09:00-18:00'")
    sh, sm, eh, em = (int(g) for g in match.groups())
    if sh > 23 or sm > 59:
        raise ValueError(f"start {sh:02d}:{sm:02d} is not a time of day")
    if eh > 24 or em > 59 or (eh == 24 and em != 0):
        raise ValueError(f"end {eh:02d}:{em:02d} is not a time of day (24:00 is the latest)")
    interval = Interval(sh * 60 + sm, eh * 60 + em)
    if interval.end < interval.start:
        raise ValueError(
            f"end {_hhmm(interval.end)} is before start {_hhmm(interval.start)}"
            " (an interval may not run past midnight: split it at 24:00)"
        )
    if interval.end == interval.start:
        raise ValueError(f"{interval} is empty: end must be after start")
    return interval


def _check_day(intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Sorted, and no two intervals overlap (touching ones are fine: 09:00-13:00, 13:00-18:00)."""
    order = sorted(range(len(intervals)), key=lambda i: intervals[i])
    for prev, cur in pairwise(order):
        if intervals[cur].start < intervals[prev].end:
            raise _Problem(f"{intervals[cur]} overlaps {intervals[prev]} ([{prev}])", (cur,))
    return tuple(intervals[i] for i in order)


IntervalField = Annotated[
    Interval,
    PlainValidator(_parse_interval),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$"}),
]
DayHours = Annotated[tuple[IntervalField, ...], AfterValidator(_check_day)]


def _parse_effective_from(value: object) -> date | datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date or an ISO 8601 date-time") from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{value.isoformat()} has no UTC offset: write e.g. "
                f"{value.isoformat()}+03:00, or a plain date for midnight in the policy's zone"
            )
        return value
    if isinstance(value, date):
        return value
    raise ValueError(f"expected a date or a date-time with an offset, not {value!r}")


EffectiveFrom = Annotated[
    date | datetime,
    PlainValidator(_parse_effective_from),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
]


class _Model(BaseModel):
    # extra="forbid": a misspelt key in the file is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidaySource(_Model):
    """Which public-holiday calendar of the ``holidays`` package closes the desk."""

    country: str
    subdivision: str | None = None

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        if country not in holidays_lib.list_supported_countries():
            raise ValueError(f"{country!r} is not a country code the holidays package knows")
        return country

    @model_validator(mode="after")
    def _known_subdivision(self) -> HolidaySource:
        if self.subdivision is not None:
            known = holidays_lib.list_supported_countries()[self.country]
            if self.subdivision not in known:
                listed = ", ".join(known) if known else "none"
                raise _Problem(
                    f"{self.subdivision!r} is not a subdivision of {self.country} "
                    f"(known: {listed})",
                    ("subdivision",),
                )
        return self


class ResolutionDays(_Model):
    """Business days to resolve a ticket, by the complexity an agent sets (clause 8)."""

    simple: PositiveInt = 1
    standard: PositiveInt = 2
    complex: PositiveInt = 3


class Targets(_Model):
    """The promises the SLA clocks keep, in business minutes or business days."""

    first_response_minutes: PositiveInt = 24 * 60
    business_day_minutes: PositiveInt = 9 * 60
    resolution_days: ResolutionDays = ResolutionDays()
    # Until an agent sets the complexity, the ticket gets the longest target.
    resolution_days_unknown: PositiveInt = 3
    escalation_review_days: PositiveInt = 1
    # Share of a target's time after which a "due soon" warning goes out.
    warning_threshold: float = Field(0.75, gt=0, lt=1)
    # Business days a resolved ticket waits for the customer before it closes by itself.
    auto_close_days: PositiveInt = 5
    # While a ticket waits on the customer, a partner (clauses 17, 25) or development (clause
    # 12), the desk cannot act: its clocks pause in these statuses.
    pause_while: frozenset[WaitingStatus] = frozenset(
        {"waiting_customer", "waiting_partner", "in_development"}
    )

    def resolution_minutes(self, complexity: Complexity | None) -> int:
        """The resolution target in business minutes; ``None`` means not yet assessed."""
        days = (
            self.resolution_days_unknown
            if complexity is None
            else getattr(self.resolution_days, complexity)
        )
        return int(days) * self.business_day_minutes


class Policy(_Model):
    """One version of the policy. Build it from a file with :func:`load_policy`."""

    version: str = Field(min_length=1)
    effective_from: EffectiveFrom
    timezone: str
    schedule: dict[Weekday, DayHours]
    holidays: HolidaySource | None = None
    extra_closed_dates: frozenset[date] = frozenset()
    extra_open_dates: dict[date, DayHours] = {}
    targets: Targets = Targets()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{name!r} is not an IANA time zone name (like Europe/Moscow)"
            ) from None
        return name

    @field_validator("schedule")
    @classmethod
    def _ever_open(
        cls, schedule: dict[Weekday, tuple[Interval, ...]]
    ) -> dict[Weekday, tuple[Interval, ...]]:
        if not any(schedule.values()):
            raise ValueError("no open hours on any weekday: the desk would never open")
        return schedule

    @model_validator(mode="after")
    def _open_or_closed(self) -> Policy:
        for day in sorted(self.extra_open_dates):
            if not self.extra_open_dates[day]:
                raise _Problem(
                    "no hours given: to close a date, list it in extra_closed_dates",
                    ("extra_open_dates", day.isoformat()),
                )
            if day in self.extra_closed_dates:
                raise _Problem(
                    f"{day} is also in extra_closed_dates: a date is either open or closed",
                    ("extra_open_dates", day.isoformat()),
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key: this is cheap

    @property
    def effective_at(self) -> datetime:
        """When this version takes effect; a plain date means midnight in the policy's zone."""
        if isinstance(self.effective_from, datetime):
            return self.effective_from
        return datetime.combine(self.effective_from, time(), tzinfo=self.tz)


def _render_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (key)"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problems(error: ValidationError, prefix: tuple[str | int, ...]) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors():
        loc = prefix + tuple(item["loc"])
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, _Problem):
            loc += cause.loc
        if isinstance(cause, ValueError):
            message = str(cause)
        elif item["type"] == "extra_forbidden":
            message = "unknown key (a typo? see the policy file format)"
        elif item["type"] == "missing":
            message = "required, but missing"
        else:
            message = item["msg"]
        problems.append((_render_loc(loc), message))
    return problems


def parse_policies(data: Mapping[str, Any], source: str = "<policy>") -> list[Policy]:
    """Validate parsed TOML: one policy, or ``policy`` = a list of versions. Sorted by date."""
    versioned = "policy" in data
    if versioned and len(data) > 1:
        others = ", ".join(sorted(k for k in data if k != "policy"))
        what = f"either one policy or [[policy]] versions, not both ([[policy]] beside {others})"
        raise PolicyError(source, [("", what)])
    raw = data["policy"] if versioned else [data]
    if versioned and (not isinstance(raw, list) or not raw):
        raise PolicyError(source, [("policy", "expected one or more [[policy]] tables")])
    policies: list[Policy] = []
    problems: list[tuple[str, str]] = []
    for index, item in enumerate(raw):
        prefix: tuple[str | int, ...] = ("policy", index) if versioned else ()
        try:
            policies.append(Policy.model_validate(item))
        except ValidationError as exc:
            problems += _problems(exc, prefix)
    if problems:
        raise PolicyError(source, problems)
    policies.sort(key=lambda p: p.effective_at)
    for earlier, later in pairwise(policies):
        if earlier.effective_at == later.effective_at:
            what = (
                f"versions {earlier.version!r} and {later.version!r} take effect at the same "
                f"moment ({later.effective_at.isoformat()})"
            )
            raise PolicyError(source, [("policy", what)])
    versions = [p.version for p in policies]
    for version in versions:
        if versions.count(version) > 1:
            raise PolicyError(source, [("policy", f"version {version!r} appears twice")])
    return policies


def load_policies(path: str | os.PathLike[str]) -> list[Policy]:
    """Every version in a policy file, oldest first."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise PolicyError(source, [("", f"cannot read the policy file: {exc.strerror}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [("", f"not valid TOML: {exc}")]) from exc
    return parse_policies(data, source)


def load_policy(path: str | os.PathLike[str] = BUNDLED_POLICY_FILE) -> Policy:
    """The one policy in a file; a file of several versions needs :func:`load_policies`."""
    policies = load_policies(path)
    if len(policies) > 1:
        what = f"{len(policies)} versions: use load_policies() and policy_at() to pick one"
        raise PolicyError(os.fspath(path), [("policy", what)])
    return policies[0]


def policy_at(policies: Sequence[Policy], t: datetime) -> Policy:
    """The version in force at ``t`` (an aware datetime): the latest that took effect by then."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{t.isoformat()} has no UTC offset: policy_at needs an aware datetime")
    in_force = [p for p in policies if p.effective_at <= t]
    if not in_force:
        if not policies:
            raise ValueError("no policy versions given")
        first = min(policies, key=lambda p: p.effective_at)
        raise ValueError(
            f"no policy in force at {t.isoformat()}: the first version ({first.version!r}) "
            f"takes effect at {first.effective_at.isoformat()}"
        )
    return max(in_force, key=lambda p: p.effective_at)
