"""A year of the business calendar over HTTP, as the console's admin page lists it."""

from __future__ import annotations

from tests.support import System


async def test_a_year_lists_holidays_and_transfers_by_the_policy(system: System) -> None:
    sla = system.clients["sla"]
    answer = await sla.get("/v1/calendar/years/2027")
    assert answer.status_code == 200, answer.text
    year = answer.json()
    assert year["version"] == "2025.1" and year["timezone"] == "Europe/Moscow"
    assert year["schedule"]["mon"] == ["09:00-18:00"] and "fri" not in year["schedule"]
    days = {d["date"]: d for d in year["days"]}
    assert days["2027-01-04"] == {
        "date": "2027-01-04",
        "kind": "holiday",
        "name": "Новогодние каникулы",
        "hours": [],
    }
    # A Monday off, moved from a Saturday the state makes a working day (not for a Mon–Thu desk).
    assert days["2027-02-22"]["kind"] == "holiday" and days["2027-02-22"]["hours"] == []
    assert days["2027-02-20"]["kind"] == "working" and days["2027-02-20"]["hours"] == []
    assert "2027-03-09" not in days  # an ordinary Tuesday
    assert list(days) == sorted(days)

    english = (await sla.get("/v1/calendar/years/2027", params={"language": "en"})).json()
    assert english["days"][0]["name"] == "New Year Holidays"
    for wrong in ("/v1/calendar/years/1999", "/v1/calendar/years/next"):
        refused = await sla.get(wrong)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "year"
