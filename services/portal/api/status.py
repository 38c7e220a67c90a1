"""The desk's status: open or closed now and the next opening (clause 1), the holidays ahead
(sla's calendar API) and any incident in progress (clause 23, escalation's public API)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal import i18n
from services.portal.web import DESK_ZONE, client_of, page, upstream_of

router = APIRouter(include_in_schema=False)

HOLIDAY_DAYS = 60


def _weekday(request: Request, day: date) -> str:
    return i18n.words(i18n.language_of(request))["file_weekdays"].split(",")[day.weekday()]


@router.get("/status")
async def status(request: Request) -> HTMLResponse:
    upstream, client = upstream_of(request), client_of(request)
    language = i18n.language_of(request)
    # Three independent questions: asked at once, the page waits for the slowest only.
    now, closed, incidents = await asyncio.gather(
        upstream.json("sla", "GET", "/v1/calendar/open", client=client),
        upstream.json(
            "sla",
            "GET",
            "/v1/calendar/closed-days",
            params={"days": HOLIDAY_DAYS, "language": language},
            client=client,
        ),
        upstream.json("escalation", "GET", "/v1/incidents/in-progress", client=client),
    )
    opens = datetime.fromisoformat(now["next_open"]).astimezone(DESK_ZONE)
    return page(
        request,
        "status.html.j2",
        is_open=bool(now["open"]),
        opens=f"{_weekday(request, opens.date())}, {opens:%d.%m.%Y %H:%M}",
        holidays=[
            {
                "day": f"{_weekday(request, day)}, {day:%d.%m.%Y}",
                "name": item["name"],
            }
            for item in closed
            for day in [date.fromisoformat(item["date"])]
        ],
        incidents=incidents,
    )
