"""Request and response bodies of the sla API (v1)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.events import SlaTarget

# Ten years of business minutes: more is a mistake, not a plan.
MAX_MINUTES = 10 * 366 * 24 * 60


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddIn(_In):
    start: AwareDatetime = Field(description="ISO 8601 with offset, e.g. 2025-11-07T17:30:00+03:00")
    minutes: int = Field(ge=0, le=MAX_MINUTES, description="business minutes to add")


class AddOut(BaseModel):
    end: AwareDatetime


class BetweenIn(_In):
    start: AwareDatetime
    end: AwareDatetime


class BetweenOut(BaseModel):
    minutes: int = Field(description="business minutes in [start, end); negative if end < start")


class OpenOut(BaseModel):
    open: bool
    next_open: AwareDatetime = Field(description="`at` itself when open")


class CalendarDayOut(BaseModel):
    date: dt.date
    kind: str = Field(
        description="holiday, closed, working (a weekend day made a working "
        "day: a transfer), changed_hours"
    )
    name: str | None = Field(description="the holiday calendar's name of the day")
    hours: list[str] = Field(
        description="the desk's hours that day, e.g. 09:00-18:00; none: closed"
    )


class CalendarYearOut(BaseModel):
    year: int
    version: str = Field(description="the policy version whose calendar this is")
    timezone: str
    schedule: dict[str, list[str]] = Field(description="the usual hours by weekday")
    days: list[CalendarDayOut] = Field(description="every day not as the schedule has it")


class ClosedDayOut(BaseModel):
    date: dt.date = Field(description="a day the weekly schedule would open")
    name: str | None = Field(description="the public holiday's name; null: an extra closed date")


class PolicyOut(BaseModel):
    in_force: str = Field(description="the version in force now")
    versions: list[dict[str, Any]]


class ExtensionIn(_In):
    business_days: int = Field(ge=1, le=60)
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)
    ] = Field(description="written for the customer: they read it (clause 26)")


class TargetOut(BaseModel):
    target: SlaTarget
    budget_minutes: int
    used_minutes: int
    left_minutes: int
    due_at: AwareDatetime | None = Field(description="none while paused or once met")
    running: bool
    met_at: AwareDatetime | None
    warned_at: AwareDatetime | None
    breached_at: AwareDatetime | None
    state: str = Field(description="running, paused, met, met_late or breached")


class TicketSlaOut(BaseModel):
    ticket_id: uuid.UUID
    number: str
    policy_version: str
    received_at: AwareDatetime
    clock_starts_at: AwareDatetime
    status: str = Field(description="the ticket's status as the clocks last heard of it")
    paused: bool
    complexity: str | None
    extension_minutes: int
    first_response: TargetOut
    resolution: TargetOut


class SlaEventOut(BaseModel):
    """Something that happened to a ticket's clocks, for its timeline."""

    kind: str = Field(description="warning, breach or extension")
    at: AwareDatetime
    target: SlaTarget = Field(description="the target it concerns (an extension: resolution)")
    business_days: int | None = Field(default=None, description="an extension's days")
    reason: str | None = Field(default=None, description="an extension's reason, as mailed")
    agent_id: uuid.UUID | None = Field(default=None, description="who extended it")


class TicketSlaHistoryOut(TicketSlaOut):
    """One ticket's SLA with what happened to its clocks, for the ticket's timeline."""

    history: list[SlaEventOut] = Field(
        description="warnings, breaches and extensions (with their reasons), oldest first; a "
        "warning or breach is the one standing now: a clock replayed after a reopening raises "
        "them afresh"
    )


class TargetFiguresOut(BaseModel):
    measured: int = Field(description="targets met, in time or late: the ones with a time")
    median_minutes: float | None = Field(description="business minutes; none if none measured")
    p90_minutes: float | None = Field(description="business minutes; none if none measured")
    met: int = Field(description="met within the target (extensions included)")
    breached: int = Field(description="met late, or not met and past the target")
    met_share: float | None = Field(
        description="met / (met + breached); targets still running in time count in neither"
    )


class CsatOut(BaseModel):
    ratings: int = Field(description="customers' ratings (1–5) of these tickets' resolutions")
    satisfied: int = Field(description="ratings of 4 or 5")
    satisfied_share: float | None = Field(description="CSAT: satisfied / ratings; none: no ratings")
    average_score: float | None


class FeedbackVolumeOut(BaseModel):
    feedback: int = Field(description="feedback left without a ticket in the period")
    suggestion: int = Field(description="suggestions left in the period")


class ReportRowOut(BaseModel):
    group: str | None = Field(description="the group's value; none: not set, or no grouping")
    tickets: int = Field(description="tickets received in the period")
    first_response: TargetFiguresOut
    resolution: TargetFiguresOut
    breaches: int = Field(description="first-response and resolution targets breached")
    escalations: int = Field(description="escalations of these tickets to a senior")
    extensions: int = Field(description="resolution targets extended, with a reason")
    csat: CsatOut


class SlaReportOut(BaseModel):
    from_: AwareDatetime = Field(serialization_alias="from")
    to: AwareDatetime
    group_by: str | None
    rows: list[ReportRowOut]
    feedback: FeedbackVolumeOut = Field(description="received in the period, whatever the group")


class AgeBucketOut(BaseModel):
    name: str = Field(description="under_1h, 1h_4h, 4h_1d, 1d_3d, over_3d")
    from_minutes: int = Field(description="business minutes open, at least")
    to_minutes: int | None = Field(description="business minutes open, less than; none: no bound")


class BacklogRowOut(BaseModel):
    group: str | None = Field(description="the group's value; none: not set, or no grouping")
    tickets: int = Field(description="open tickets (not resolved or closed)")
    counts: list[int] = Field(description="open tickets in each bucket, in the buckets' order")


class BacklogOut(BaseModel):
    as_of: AwareDatetime = Field(description="the moment the ages are measured at")
    group_by: str | None
    buckets: list[AgeBucketOut]
    rows: list[BacklogRowOut]
