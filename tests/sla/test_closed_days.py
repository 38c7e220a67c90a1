"""The days the desk is closed though the week would open it (the customers' status page):
public holidays on Monday to Thursday, with their names, in Russian or English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.sla.app import create_app
from shared.settings import Settings


@pytest.fixture
async def sla(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The calendar needs no database: the app is not even started.
    app = create_app(Settings(var_dir=tmp_path / "var", log_json=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sla") as client:
        yield client


async def test_holidays_on_working_days_with_their_names(sla: httpx.AsyncClient) -> None:
    path = "/v1/calendar/closed-days"
    # 1–8 January 2027 are days off; Friday the 1st and the weekend close the desk anyway.
    answer = await sla.get(path, params={"start": "2027-01-01", "days": 14})
    assert answer.status_code == 200, answer.text
    days = answer.json()
    assert [d["date"] for d in days] == ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07"]
    assert all(d["name"] and "Нов" in d["name"] for d in days[:3]), days
    english = await sla.get(path, params={"start": "2027-01-04", "days": 1, "language": "en"})
    assert "New Year" in english.json()[0]["name"]
    # An ordinary fortnight: nothing to plan around.
    assert (await sla.get(path, params={"start": "2027-03-15", "days": 14})).json() == []
    # From today by default; bad input names the field.
    assert (await sla.get(path)).status_code == 200
    bad = (({"days": 0}, "days"), ({"start": "soon"}, "start"), ({"start": "9999-12-31"}, "start"))
    for params, field in bad:
        refused = await sla.get(path, params=params)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field
