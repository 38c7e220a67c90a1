"""SLA reports for staff (clause 22): volumes, times and compliance over a period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from services.sla import reports
from services.sla.api.models import (
    AgeBucketOut,
    BacklogOut,
    BacklogRowOut,
    FeedbackVolumeOut,
    ReportRowOut,
    SlaReportOut,
)
from services.sla.domain.backlog import BUCKETS, BacklogGroupBy, backlog_csv
from services.sla.domain.report import (
    GroupBy,
    ReportPeriodError,
    check_period,
    parse_bound,
    to_csv,
)
from shared.auth import AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.contracts.events import FeedbackKind
from shared.errors import UnprocessableError
from shared.policy.book import PolicyBook
from shared.runtime import ReadUnitDep

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

CSV = "text/csv"


def _refuse(field: str, reason: str) -> UnprocessableError:
    return UnprocessableError(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


@router.get(
    "/sla",
    summary="Tickets received in [from, to): times in business minutes, targets met, breaches",
    response_model=SlaReportOut,
    responses={200: {"content": {CSV: {}}, "description": "JSON, or CSV when asked for"}},
)
async def sla_report(
    request: Request,
    _staff: AgentDep,
    uow: ReadUnitDep,
    start_text: Annotated[
        str,
        Query(
            alias="from",
            max_length=64,
            description="inclusive: a date-time with offset, or a date (from its start)",
            examples=["2025-11-01", "2025-11-01T00:00:00+03:00"],
        ),
    ],
    end_text: Annotated[
        str,
        Query(
            alias="to",
            max_length=64,
            description="exclusive: a date-time with offset, or a date (to its end)",
            examples=["2025-11-30", "2025-12-01T00:00:00+03:00"],
        ),
    ],
    group_by: Annotated[GroupBy | None, Query(description="one row per value; none: overall")] = (
        None
    ),
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="default: by the Accept header"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    book: PolicyBook = request.app.state.book
    zone = book.at(datetime.now(UTC)).tz
    try:
        start = parse_bound(start_text, "from", zone, end=False)
        end = parse_bound(end_text, "to", zone, end=True)
        check_period(start, end)
    except ReportPeriodError as exc:
        raise _refuse(exc.field, str(exc)) from None
    report = await reports.sla_report(uow, book, start, end, group_by)
    groups = report.groups
    if output == "csv" or (output is None and CSV in (accept or "")):
        return Response(
            to_csv(groups, group_by),
            media_type=CSV,
            headers={"Content-Disposition": 'attachment; filename="sla-report.csv"'},
        )
    return SlaReportOut(
        from_=start,
        to=end,
        group_by=group_by,
        rows=[ReportRowOut.model_validate(g, from_attributes=True) for g in groups],
        feedback=FeedbackVolumeOut(
            feedback=report.feedback.get(FeedbackKind.feedback, 0),
            suggestion=report.feedback.get(FeedbackKind.suggestion, 0),
        ),
    )


@router.get(
    "/backlog",
    summary="Open tickets now, counted by business age (time open on the desk's calendar)",
    response_model=BacklogOut,
    responses={200: {"content": {CSV: {}}, "description": "JSON, or CSV when asked for"}},
)
async def backlog_report(
    request: Request,
    _staff: AgentDep,
    uow: ReadUnitDep,
    group_by: Annotated[
        BacklogGroupBy | None, Query(description="one row per value; none: overall")
    ] = None,
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="default: by the Accept header"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    now = datetime.now(UTC)
    rows = await reports.backlog(uow, request.app.state.book, now, group_by)
    if output == "csv" or (output is None and CSV in (accept or "")):
        return Response(
            backlog_csv(rows, group_by),
            media_type=CSV,
            headers={"Content-Disposition": 'attachment; filename="backlog-report.csv"'},
        )
    return BacklogOut(
        as_of=now,
        group_by=group_by,
        buckets=[AgeBucketOut.model_validate(b, from_attributes=True) for b in BUCKETS],
        rows=[BacklogRowOut(group=r.group, tickets=r.tickets, counts=list(r.counts)) for r in rows],
    )
