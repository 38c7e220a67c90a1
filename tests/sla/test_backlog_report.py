"""The backlog by age (clause 22): open tickets counted by business minutes open, over HTTP on
both backends, and the bucketing rules alone. On an always-open calendar a business minute is
a wall-clock one, so ages worked out from now are what the service measures."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.sla.domain.backlog import BUCKETS, backlog, bucket_of
from shared.contracts.events import Category, Channel, TicketStatus
from shared.settings import Settings
from tests.sla.test_reports import Ticket, clocks_started, staff
from tests.support import ALWAYS_OPEN, System, eventually


def test_each_age_falls_in_exactly_one_bucket_bounds_included_below() -> None:
    assert [bucket_of(m).name for m in (0, 59, 60, 239, 240, 539, 540, 1619, 1620, 10**6)] == [
        "under_1h",
        "under_1h",
        "1h_4h",
        "1h_4h",
        "4h_1d",
        "4h_1d",
        "1d_3d",
        "1d_3d",
        "over_3d",
        "over_3d",
    ]
    assert bucket_of(-5).name == "under_1h"
    # The buckets tile the line: each starts where the previous ended.
    assert all(a.to_minutes == b.from_minutes for a, b in itertools.pairwise(BUCKETS))


def test_backlog_rows_overall_even_when_empty_and_by_group_with_unset_last() -> None:
    [empty] = backlog([], grouped=False)
    assert empty.group is None and empty.counts == (0, 0, 0, 0, 0)
    rows = backlog([(None, 10), ("web", 100), ("email", 2000), ("web", 30)], grouped=True)
    assert [(r.group, r.counts, r.tickets) for r in rows] == [
        ("email", (0, 0, 0, 0, 1), 1),
        ("web", (1, 1, 0, 0, 0), 2),
        (None, (1, 0, 0, 0, 0), 1),
    ]


@pytest.fixture
async def open_sla(settings: Settings, tmp_path: Path) -> AsyncIterator[System]:
    policy = tmp_path / "policy.toml"
    policy.write_text(ALWAYS_OPEN)
    settings = settings.model_copy(update={"policy_file": policy})
    async with System.start(settings, services=("sla",)) as system:
        yield system


async def _backlog(system: System, **params: str) -> Any:
    response = await system.clients["sla"].get(
        "/v1/reports/backlog", params=params, headers=staff(system)
    )
    assert response.status_code == 200, response.text
    return response


async def test_open_tickets_by_business_age_overall_by_channel_and_as_csv(
    open_sla: System,
) -> None:
    now = datetime.now(UTC)
    ages = [timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5), timedelta(hours=20)]
    for age, channel in zip(
        ages, (Channel.web, Channel.web, Channel.email, Channel.email), strict=True
    ):
        await Ticket.create(open_sla, now - age, channel, Category.bug)
    old = await Ticket.create(open_sla, now - timedelta(days=5), Channel.partner)
    done = await Ticket.create(open_sla, now - timedelta(days=5), Channel.web)
    await clocks_started(open_sla, 6)
    await done.move(TicketStatus.resolved, now)  # resolved: no longer in the backlog

    body = await eventually(
        lambda: _backlog(open_sla), lambda r: r.json()["rows"][0]["tickets"] == 5
    )
    overall = body.json()
    assert [b["name"] for b in overall["buckets"]] == [b.name for b in BUCKETS]
    assert overall["buckets"][-1] == {"name": "over_3d", "from_minutes": 1620, "to_minutes": None}
    assert overall["rows"] == [{"group": None, "tickets": 5, "counts": [1, 1, 1, 1, 1]}]

    by_channel = (await _backlog(open_sla, group_by="channel")).json()["rows"]
    assert by_channel == [
        {"group": "email", "tickets": 2, "counts": [0, 0, 1, 1, 0]},
        {"group": "partner", "tickets": 1, "counts": [0, 0, 0, 0, 1]},
        {"group": "web", "tickets": 2, "counts": [1, 1, 0, 0, 0]},
    ]
    await old.move(TicketStatus.closed, datetime.now(UTC))
    await eventually(lambda: _backlog(open_sla), lambda r: r.json()["rows"][0]["counts"][-1] == 0)

    exported = await _backlog(open_sla, group_by="category", format="csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines == [
        ["category", "under_1h", "1h_4h", "4h_1d", "1d_3d", "over_3d", "tickets"],
        ["bug", "1", "1", "1", "1", "0", "4"],
    ]


async def test_backlog_refuses_an_unknown_grouping_and_strangers(open_sla: System) -> None:
    client = open_sla.clients["sla"]
    refused = await client.get(
        "/v1/reports/backlog", params={"group_by": "week"}, headers=staff(open_sla)
    )
    assert refused.status_code == 422
    assert (await client.get("/v1/reports/backlog")).status_code == 401
