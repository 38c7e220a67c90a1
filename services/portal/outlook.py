"""What happens next to a customer's request, and by when, in Moscow time (clauses 1, 2, 10).

The sla service's public calendar answers it: whether the desk is open now and when it next
opens, and the first-answer promise (its policy's target, added in business minutes)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.portal.upstream import Upstream
from services.portal.web import DESK_ZONE

# Where the customer waits for us to answer: the promise of clause 2 runs.
WAITING_FOR_US = ("received", "open", "in_progress")
WEEKDAYS = {
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Outlook:
    open_now: bool
    next_open: str  # worded, Moscow time
    answer_by: str | None  # worded; None when no answer of ours is awaited


def moment(value: datetime, language: str) -> str:
    """ "вторник, 08.12, 15:00" / "Tuesday 8 Dec, 15:00", in Moscow time."""
    local = value.astimezone(DESK_ZONE)
    day = WEEKDAYS.get(language, WEEKDAYS["ru"])[local.weekday()]
    if language == "en":
        return f"{day} {local.day} {MONTHS_EN[local.month - 1]}, {local:%H:%M}"
    return f"{day}, {local:%d.%m}, {local:%H:%M}"


def awaited_since(ticket: dict[str, Any]) -> datetime | None:
    """Since when the customer waits for our answer: their first words after our last reply
    (the request itself if we have not answered); None if they do not wait for us."""
    if ticket["status"] not in WAITING_FOR_US:
        return None
    since: datetime | None = datetime.fromisoformat(ticket["received_at"])
    for message in ticket["messages"]:
        if message["author"] == "customer":
            since = since or datetime.fromisoformat(message["created_at"])
        elif message["author"] in ("agent", "senior"):
            since = None
    return since


async def outlook(
    upstream: Upstream, ticket: dict[str, Any], language: str, client: str | None
) -> Outlook:
    now = datetime.now(UTC)
    # The desk's hours and the promise are independent calls: made at once, the page waits
    # for the slower of them, not their sum (issue 17's 50 ms).
    opening, answer_by = await asyncio.gather(
        upstream.json("sla", "GET", "/v1/calendar/open", client=client),
        _answer_by(upstream, ticket, language, client),
    )
    next_open = datetime.fromisoformat(opening["next_open"])
    return Outlook(
        open_now=bool(opening["open"]),
        next_open=moment(max(next_open, now), language),
        answer_by=answer_by,
    )


async def _answer_by(
    upstream: Upstream, ticket: dict[str, Any], language: str, client: str | None
) -> str | None:
    """By when we promise the first answer, worded; None if the customer waits for none."""
    since = awaited_since(ticket)
    if since is None:
        return None
    # The policy changes by a new version now and then: kept a minute, not asked each page.
    policy = await upstream.kept_json("sla", "/v1/policy", client=client)
    added = await upstream.json(
        "sla",
        "POST",
        "/v1/calendar/add",
        json={"start": since.isoformat(), "minutes": _first_response_minutes(policy)},
        client=client,
    )
    return moment(datetime.fromisoformat(added["end"]), language)


def _first_response_minutes(policy: dict[str, Any]) -> int:
    """The first-answer target of the version in force (24 business hours by default)."""
    for version in policy.get("versions") or []:
        if version.get("version") == policy.get("in_force"):
            return int((version.get("targets") or {}).get("first_response_minutes", 24 * 60))
    return 24 * 60
