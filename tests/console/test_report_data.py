"""The reports page's data, without a browser: the sla service's answer reshaped into the
charts' series, and each chart's CSV (exactly its table, safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.console.api.reports import Query, backlog_chart, report_charts, safe_cell, to_csv


def _target(met_share: float | None, median: float | None, breached: int) -> dict[str, Any]:
    return {"met_share": met_share, "median_minutes": median, "breached": breached}


def _row(group: str | None, tickets: int, **csat: Any) -> dict[str, Any]:
    return {
        "group": group,
        "tickets": tickets,
        "first_response": _target(0.5, 90.0, 1),
        "resolution": _target(1.0, 540.0, 0),
        "csat": {"satisfied_share": csat.get("share")},
    }


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_weeks_without_tickets_are_rows_of_their_own_with_no_value_or_zero() -> None:
    query = Query("2025-11-10", "2025-11-30", "week")  # weeks 46, 47, 48
    body = {"rows": [_row("2025-W47", 2, share=0.75)]}
    charts = report_charts(body, query, "ru")

    compliance = charts["compliance"]
    assert compliance.keys == ["2025-W46", "2025-W47", "2025-W48"]
    assert compliance.short == ["W46", "W47", "W48"]
    assert [s.values for s in compliance.series] == [(None, 50.0, None), (None, 100.0, None)]
    # Medians in business hours; counts are zero, not missing, in an empty week.
    assert charts["times"].series[1].values == (None, 9.0, None)
    assert charts["volume"].series[0].values == (0.0, 2.0, 0.0)
    assert charts["breaches"].series[0].values == (0.0, 1.0, 0.0)
    assert _csv(to_csv(compliance)) == [
        ["week", "first_response_met_percent", "resolution_met_percent"],
        ["2025-W46", "", ""],
        ["2025-W47", "50", "100"],
        ["2025-W48", "", ""],
    ]
    assert _csv(to_csv(charts["csat"]))[2] == ["2025-W47", "75"]


def test_groups_read_in_the_agents_language_and_an_unset_one_says_so() -> None:
    body = {"rows": [_row("bug", 1), _row(None, 3)]}
    charts = report_charts(body, Query("2025-11-10", "2025-11-30", "category"), "en")
    assert charts["volume"].labels == ["bug", "not set"]
    assert charts["volume"].keys == ["bug", ""]
    # Nobody rated: the chart says so rather than drawing nothing.
    assert charts["csat"].empty and charts["csat"].empty_text
    assert not charts["volume"].empty


def test_backlog_has_the_age_buckets_along_its_axis_and_a_series_per_group() -> None:
    body = {
        "buckets": [{"name": "under_1h"}, {"name": "1h_4h"}],
        "rows": [{"group": "email", "counts": [2, 0]}, {"group": "web", "counts": [0, 1]}],
    }
    chart = backlog_chart(body, Query("2025-11-10", "2025-11-30", "channel"), "ru")
    assert chart.labels == ["до 1 ч", "1–4 ч"]
    assert [s.key for s in chart.series] == ["channel:email", "channel:web"]
    assert _csv(to_csv(chart)) == [
        ["age", "channel:email", "channel:web"],
        ["under_1h", "2", "0"],
        ["1h_4h", "0", "1"],
    ]


def test_a_cell_that_would_be_a_formula_is_quoted() -> None:
    for dangerous in ("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx"):
        assert safe_cell(dangerous) == f"'{dangerous}"
    assert safe_cell("2025-W47") == "2025-W47"
    assert safe_cell(None) == ""
    assert safe_cell(12) == "12"
