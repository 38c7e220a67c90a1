"""Reports (clause 22): SLA compliance, times, breaches, volumes, CSAT and the backlog by age,
as charts drawn on the server, each with its table and its CSV.

The figures are the sla service's (``GET /v1/reports/sla`` and ``/v1/reports/backlog``), asked
as the signed-in agent; this module only reshapes them into series and draws nothing itself
(services/console/charts.py computes the geometry, reports.html.j2 draws it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n
from services.console.charts import BarChart, Series, bar_chart
from services.console.sessions import AgentSession
from services.console.web import DESK_ZONE, PAGE_HEADERS, AgentDep, not_found, page, upstream_of
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

GROUPINGS = ("week", "category", "channel", "complexity")
REPORT_CHARTS = ("compliance", "times", "breaches", "volume", "csat")
CHARTS = (*REPORT_CHARTS, "backlog")
DEFAULT_WEEKS = 8
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Query:
    """The period and grouping as the agent gave them (kept as typed, to show them again)."""

    start: str
    end: str
    group_by: str

    @classmethod
    def of(cls, request: Request) -> Query:
        # The last 8 weeks on the desk's clock (Moscow): this one so far and the 7 whole
        # weeks before it, from a Monday, so that each bar of a week is a whole week.
        today = datetime.now(DESK_ZONE).date()
        monday = today - timedelta(days=today.weekday(), weeks=DEFAULT_WEEKS - 1)
        params = request.query_params
        return cls(
            start=params.get("from") or monday.isoformat(),
            end=params.get("to") or today.isoformat(),
            group_by=params.get("group_by") or "week",
        )

    @property
    def params(self) -> dict[str, str]:
        return {"from": self.start, "to": self.end, "group_by": self.group_by}

    @property
    def backlog_group(self) -> str | None:
        # The backlog is of now: by week it would only restate the ages.
        return None if self.group_by == "week" else self.group_by

    def csv_url(self, name: str) -> str:
        return f"/reports/{name}.csv?{urlencode(self.params)}"


@dataclass(frozen=True)
class Chart:
    """One chart's data: what is drawn, tabled and exported is this, and only this."""

    name: str
    title: str
    description: str
    header: str  # the first CSV column: the grouping
    keys: list[str]  # each category's value, as the API gives it (CSV)
    labels: list[str]  # each category as the agent reads it (table)
    short: list[str]  # each category under its bars
    series: list[Series]
    fmt: Callable[[float], str]
    maximum: float | None = None
    whole: bool = False
    empty_text: str | None = None  # said instead of the chart when there is nothing to draw
    geometry: BarChart = field(init=False)

    def __post_init__(self) -> None:
        geometry = bar_chart(
            self.short, self.series, self.fmt, maximum=self.maximum, whole=self.whole
        )
        object.__setattr__(self, "geometry", geometry)

    @property
    def empty(self) -> bool:
        return all(v is None for s in self.series for v in s.values)

    def cell(self, value: float | None) -> str:
        return "—" if value is None else self.fmt(value)

    def rows(self) -> list[tuple[str, str, list[float | None]]]:
        return [
            (key, label, [s.values[i] for s in self.series])
            for i, (key, label) in enumerate(zip(self.keys, self.labels, strict=True))
        ]


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(chart: Chart) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(chart.header), *(safe_cell(s.key) for s in chart.series)])
    for key, _label, values in chart.rows():
        writer.writerow([safe_cell(key), *(safe_cell(_number(v)) for v in values)])
    return out.getvalue()


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _weeks(start: str, end: str) -> list[str] | None:
    """Every ISO week the period touches, so a week without tickets shows as one; None when
    the bounds are not plain dates (a date-time typed into the address)."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    if last < first or (last - first).days > 366:
        return None
    weeks: list[str] = []
    day = first
    while day <= last:
        year, week, _ = day.isocalendar()
        name = f"{year}-W{week:02d}"
        if name not in weeks:
            weeks.append(name)
        day += timedelta(days=1)
    return weeks


def _group_label(key: str | None, group_by: str, t: dict[str, str], language: str) -> str:
    if key is None:
        return t["rep_not_set"]
    if group_by == "week":
        return key
    return i18n.label(key, language)


def _short(key: str | None, label: str, group_by: str) -> str:
    # Under a bar "W47" says enough; the table gives the year.
    if key is not None and group_by == "week":
        return key.split("-", 1)[-1]
    return label


def _formats(t: dict[str, str]) -> dict[str, Callable[[float], str]]:
    return {
        "count": lambda v: f"{v:g}",
        "percent": lambda v: f"{round(v, 2):g}%",
        "hours": lambda v: f"{round(v, 2):g} {t['h']}",
    }


def _share(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


def report_charts(body: dict[str, Any], query: Query, language: str) -> dict[str, Chart]:
    """The sla report's rows as the five charts of the period."""
    t = i18n.words(language)
    group_by = query.group_by
    rows: dict[str | None, dict[str, Any]] = {r["group"]: r for r in body["rows"]}
    keys: list[str | None] = list(rows)
    if group_by == "week" and (weeks := _weeks(query.start, query.end)) is not None:
        keys = [*weeks, *(k for k in rows if k not in weeks)]
    labels = [_group_label(k, group_by, t, language) for k in keys]
    short = [_short(k, label, group_by) for k, label in zip(keys, labels, strict=True)]
    fmt = _formats(t)

    def column(pick: Callable[[dict[str, Any]], float | None]) -> tuple[float | None, ...]:
        return tuple(pick(rows[k]) if k in rows else None for k in keys)

    def count(pick: Callable[[dict[str, Any]], float]) -> tuple[float | None, ...]:
        return tuple(float(pick(rows[k])) if k in rows else 0.0 for k in keys)

    def chart(name: str, series: list[Series], unit: str, **extra: Any) -> Chart:
        names = ", ".join(s.name for s in series)
        return Chart(
            name=name,
            title=t[f"rep_{name}"],
            description=t["rep_desc"].format(
                what=names, by=t[f"rep_by_{group_by}"].lower(), start=query.start, end=query.end
            ),
            header=group_by,
            keys=["" if k is None else k for k in keys],
            labels=labels,
            short=short,
            series=series,
            fmt=fmt[unit],
            whole=unit == "count",
            **extra,
        )

    def targets(
        suffix: str, pick: Callable[[dict[str, Any]], float | None], counted: bool = False
    ) -> list[Series]:
        """First response beside resolution, one figure of each."""

        def one(target: str) -> Series:
            values = (
                count(lambda r: pick(r[target]) or 0)
                if counted
                else column(lambda r: pick(r[target]))
            )
            return Series(f"{target}_{suffix}", t[target], values)

        return [one("first_response"), one("resolution")]

    return {
        "compliance": chart(
            "compliance",
            targets("met_percent", lambda f: _share(f["met_share"])),
            "percent",
            maximum=100,
            empty_text=t["rep_nothing_decided"],
        ),
        "times": chart(
            "times",
            targets("median_hours", lambda f: _hours(f["median_minutes"])),
            "hours",
            empty_text=t["rep_nothing_measured"],
        ),
        "breaches": chart(
            "breaches", targets("breached", lambda f: f["breached"], counted=True), "count"
        ),
        "volume": chart(
            "volume", [Series("tickets", t["rep_tickets"], count(lambda r: r["tickets"]))], "count"
        ),
        "csat": chart(
            "csat",
            [
                Series(
                    "csat_satisfied_percent",
                    t["rep_satisfied"],
                    column(lambda r: _share(r["csat"]["satisfied_share"])),
                )
            ],
            "percent",
            maximum=100,
            empty_text=t["rep_no_ratings"],
        ),
    }


def backlog_chart(body: dict[str, Any], query: Query, language: str) -> Chart:
    """Open tickets now by business age: the buckets along the axis, a series per group."""
    t = i18n.words(language)
    group_by = query.backlog_group
    buckets = [b["name"] for b in body["buckets"]]
    labels = [t[f"rep_age_{name}"] for name in buckets]
    series = [
        Series(
            "tickets" if group_by is None else f"{group_by}:{row['group'] or ''}",
            t["rep_open"]
            if group_by is None
            else _group_label(row["group"], group_by, t, language),
            tuple(float(n) for n in row["counts"]),
        )
        for row in body["rows"]
    ]
    return Chart(
        name="backlog",
        title=t["rep_backlog"],
        description=t["rep_backlog_desc"],
        header="age",
        keys=buckets,
        labels=labels,
        short=labels,
        series=series,
        fmt=_formats(t)["count"],
        whole=True,
        empty_text=t["rep_backlog_empty"] if not series else None,
    )


async def _report(request: Request, agent: AgentSession, query: Query) -> dict[str, Any]:
    body: dict[str, Any] = await upstream_of(request).json(
        agent, "sla", "GET", "/v1/reports/sla", params=query.params
    )
    return body


async def _backlog(request: Request, agent: AgentSession, query: Query) -> dict[str, Any]:
    params = {"group_by": query.backlog_group} if query.backlog_group else {}
    body: dict[str, Any] = await upstream_of(request).json(
        agent, "sla", "GET", "/v1/reports/backlog", params=params
    )
    return body


def _field_errors(problem: Problem) -> dict[str, str]:
    # A query parameter's problem may name it with its place ("query.from").
    return {name.rsplit(".", 1)[-1]: reason for name, reason in problem.fields.items()}


@router.get("/reports")
async def reports_page(request: Request, agent: AgentDep) -> Response:
    query = Query.of(request)
    language = agent.language
    context: dict[str, Any] = {"agent": agent, "query": query, "groupings": GROUPINGS}
    try:
        body = await _report(request, agent, query)
    except ProblemError as exc:
        # The period or grouping refused: its reason beside the field, what was typed kept.
        errors = _field_errors(exc.problem)
        detail = None if set(errors) & {"from", "to", "group_by"} else exc.problem.detail
        return page(
            request,
            "reports.html.j2",
            language,
            exc.problem.status,
            errors=errors,
            detail=detail,
            charts=[],
            **context,
        )
    charts = report_charts(body, query, language)
    backlog = backlog_chart(await _backlog(request, agent, query), query, language)
    return page(
        request,
        "reports.html.j2",
        language,
        errors={},
        detail=None,
        charts=[*(charts[name] for name in REPORT_CHARTS), backlog],
        feedback=body["feedback"],
        **context,
    )


@router.get("/reports/{name}.csv")
async def chart_csv(request: Request, agent: AgentDep, name: str) -> Response:
    """Exactly the chart's data: its categories and series, as the page tables them."""
    if name not in CHARTS:
        return not_found(request, agent)
    query = Query.of(request)
    if name == "backlog":
        chart = backlog_chart(await _backlog(request, agent, query), query, agent.language)
        filename = f"backlog-{datetime.now(DESK_ZONE).date().isoformat()}.csv"
    else:
        body = await _report(request, agent, query)
        chart = report_charts(body, query, agent.language)[name]
        filename = f"{name}-{query.group_by}-{query.start}-{query.end}.csv"
    return Response(
        to_csv(chart),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(filename)}"',
            "Cache-Control": PAGE_HEADERS["Cache-Control"],
        },
    )


def _filename(name: str) -> str:
    # The bounds are the agent's text: only what a file name and a header can carry.
    return "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in name)[:120]
