"""CSAT and feedback volume beside the SLA figures: customers rate and write at intake, the
sla service learns it from the events and reports it, on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.auth import Role
from tests.intake.helpers import agent, bearer, move, new_ticket
from tests.support import System, eventually


async def _report(system: System, **params: str) -> httpx.Response:
    """The sla report of the tickets received around now."""
    now = datetime.now(UTC)
    day = timedelta(days=1)
    period = {"from": (now - day).isoformat(), "to": (now + day).isoformat()}
    token = system.runtime("sla").signer.issue(uuid.uuid4(), Role.agent)
    response = await system.clients["sla"].get(
        "/v1/reports/sla", params=period | params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response


async def _rows(system: System, **params: str) -> dict[str, Any]:
    body: dict[str, Any] = (await _report(system, **params)).json()
    return body


async def test_csat_and_feedback_volume_appear_next_to_the_sla_figures(system: System) -> None:
    staff = await agent(system)
    for n, (category, score) in enumerate([("bug", 5), ("bug", 2), ("question", 4), ("bug", None)]):
        ticket = await new_ticket(system, f"c{n}@example.com", category=category)
        assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200
        if score is not None:
            rated = await system.intake.post(
                f"/v1/tickets/{ticket['id']}/rating",
                json={"score": score},
                headers=bearer(ticket["access_token"]),
            )
            assert rated.status_code == 201, rated.text
    for kind in ("feedback", "suggestion", "suggestion"):
        left = await system.intake.post("/v1/feedback", json={"kind": kind, "text": "Идея"})
        assert left.status_code == 201

    overall = await eventually(
        lambda: _rows(system),
        lambda body: (
            body["rows"][0]["csat"]["ratings"] == 3
            and body["feedback"] == {"feedback": 1, "suggestion": 2}
        ),
        timeout=30,
    )
    [row] = overall["rows"]
    assert row["tickets"] == 4
    assert row["csat"] == {
        "ratings": 3,
        "satisfied": 2,
        "satisfied_share": 0.6667,
        "average_score": 3.67,
    }
    rows = (await _rows(system, group_by="category"))["rows"]
    by_category = {r["group"]: r["csat"] for r in rows}
    assert by_category["bug"] | {"average_score": None} == {
        "ratings": 2,
        "satisfied": 1,
        "satisfied_share": 0.5,
        "average_score": None,
    }
    assert by_category["bug"]["average_score"] == 3.5
    assert by_category["question"]["satisfied_share"] == 1.0
    header, line = (await _report(system, format="csv")).text.splitlines()
    assert header.endswith("csat_ratings,csat_satisfied_share,csat_average_score")
    assert line.endswith(",3,0.6667,3.67")
