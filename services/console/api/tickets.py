"""The ticket page, complete (issue 16): the whole timeline from every service, attachments
downloaded through the console, replies with files, suggested knowledge-base articles.

The reads are independent of each other, so they are asked at once: the page waits for the
slowest service, not for the sum of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from services.console import i18n
from services.console.sessions import AgentSession
from services.console.upstream import Upstream
from services.console.web import CSP, AgentDep, not_found, page, templates, upstream_of
from shared.web.upstream import ProblemError

router = APIRouter(include_in_schema=False)

T = TypeVar("T")
# The file field of intake's multipart message, and of the console's reply form.
ATTACHMENTS = "attachments"
SUGGESTIONS = 3
OCTET_STREAM = "application/octet-stream"


def file_size(size: int, language: str = "ru") -> str:
    """Bytes as people read them (decimal, like the browsers): 812 Б, 4,7 КБ, 5,0 МБ; in
    English 812 B, 4.7 KB, 5.0 MB."""
    words = i18n.words(language)
    if size < 1000:
        return f"{size} {words['tkt_bytes']}"
    value, unit = (size / 1000, "tkt_kb") if size < 1000**2 else (size / 1000**2, "tkt_mb")
    number = f"{value:.1f}"
    return f"{number if language == 'en' else number.replace('.', ',')} {words[unit]}"


templates.filters["tkt_size"] = file_size


@dataclass
class TicketReads:
    """What the ticket page shows, read from intake, sla and escalation."""

    ticket: dict[str, Any]
    sla: dict[str, Any] | None
    forwards: list[dict[str, Any]]
    others: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    timeline: list[dict[str, Any]] = field(default_factory=list)


async def _or(read: Awaitable[T], default: T) -> T:
    """A read the page can do without (a ticket filed a moment ago has no clock yet)."""
    try:
        return await read
    except ProblemError as exc:
        if exc.problem.status == 404:
            return default
        raise


async def _given(value: T) -> T:
    return value


async def read_ticket(upstream: Upstream, agent: AgentSession, ticket_ref: str) -> TicketReads:
    """The ticket and everything around it. Given the ticket's id, all at once; given its
    number, the ticket first (the other services know it by id). ProblemError 404 if none."""

    def get(service: str, path: str, **params: Any) -> Awaitable[Any]:
        return upstream.json(agent, service, "GET", path, params=params or None)

    try:
        ticket_id = str(uuid.UUID(ticket_ref))
        read = get("intake", f"/v1/tickets/{ticket_id}")
    except ValueError:
        known = await get("intake", f"/v1/tickets/{ticket_ref}")
        ticket_id, read = known["id"], _given(known)
    base = f"/v1/tickets/{ticket_id}"
    ticket, sla, activity, others, replies = await asyncio.gather(
        read,
        _or(get("sla", f"{base}/sla"), None),
        get("escalation", f"{base}/activity"),
        get("intake", f"{base}/customer-tickets"),
        get("intake", "/v1/canned-replies"),
    )
    forwards = activity["forwards"]
    reads = TicketReads(ticket, sla, forwards, others, replies)
    reads.timeline = merged_timeline(
        ticket["timeline"],
        sla["history"] if sla else [],
        activity["escalations"],
        forwards,
        activity["incidents"],
    )
    return reads


def merged_timeline(
    intake: list[dict[str, Any]],
    sla: list[dict[str, Any]],
    escalations: list[dict[str, Any]],
    forwards: list[dict[str, Any]],
    incidents: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One list by time: intake's conversation and moves, the clocks' warnings, breaches and
    extensions, escalations, forwards to development and incidents. Each entry keeps its
    service's fields and gets a ``kind`` of its own for the page's label."""
    entries = list(intake)
    entries += [{**event, "kind": f"sla_{event['kind']}"} for event in sla]
    for escalation in escalations:
        entries.append({**escalation, "kind": "escalation_opened", "at": escalation["opened_at"]})
        if escalation["closed_at"]:
            entries.append(
                {**escalation, "kind": "escalation_closed", "at": escalation["closed_at"]}
            )
    for forward in forwards:
        entries.append({**forward, "kind": "forwarded", "at": forward["requested_at"]})
        if forward["released_at"]:
            entries.append({**forward, "kind": "fix_released", "at": forward["released_at"]})
    for incident in incidents:
        entries.append({**incident, "kind": "incident_linked", "at": incident["linked_at"]})
        if incident["resolved_at"]:
            entries.append({**incident, "kind": "incident_resolved", "at": incident["resolved_at"]})
    # Stable: entries of the same instant keep their service's order.
    entries.sort(key=lambda entry: datetime.fromisoformat(entry["at"]))
    return entries


@router.get("/tickets/{ticket_id}/articles")
async def suggested_articles(
    request: Request, ticket_id: uuid.UUID, agent: AgentDep, q: str = "", language: str = "ru"
) -> Response:
    """Published articles matching the ticket's subject (``q``), in the customer's language
    first: the ticket page fetches them once it is shown (htmx), so a search never delays it."""
    params = {"q": q[:200], "language": language, "limit": SUGGESTIONS}
    found: list[dict[str, Any]] = []
    # A subject with nothing to search for has no suggestions: not an error on the page.
    if q.strip():
        with contextlib.suppress(ProblemError):
            found = await upstream_of(request).json(
                agent, "intake", "GET", "/v1/articles/search", params=params
            )
    articles = [article for article in found if article["status"] == "published"]
    return page(request, "ticket_articles.html.j2", agent.language, articles=articles)


def uploads(files: list[UploadFile | str]) -> list[tuple[str, tuple[str, Any, str]]]:
    """The reply form's chosen files as httpx sends them on: read from their spooled
    temporary files in chunks, never whole into memory. An empty file input sends a part
    without a name or bytes: that is no file."""
    return [
        (
            ATTACHMENTS,
            (file.filename or "file", file.file, file.content_type or "application/octet-stream"),
        )
        for file in files
        if isinstance(file, UploadFile) and (file.filename or file.size)
    ]


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
async def download(
    request: Request, ticket_id: uuid.UUID, attachment_id: uuid.UUID, agent: AgentDep
) -> Response:
    """Intake's file, passed on chunk by chunk as the agent: always a download, never shown
    in the console's origin (nosniff, octet-stream), whatever its bytes say."""
    path = f"/v1/tickets/{ticket_id}/attachments/{attachment_id}"
    try:
        upstream = await upstream_of(request).open_stream(agent, "intake", path)
    except ProblemError as exc:
        if exc.problem.status == 404:  # unknown, another ticket's, or a refused file
            return not_found(request, agent)
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()

    headers = {
        "Content-Disposition": upstream.headers.get("content-disposition", "attachment"),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
    }
    if "content-encoding" not in upstream.headers and "content-length" in upstream.headers:
        headers["Content-Length"] = upstream.headers["content-length"]
    return StreamingResponse(
        chunks(),
        media_type=OCTET_STREAM,
        headers=headers,
        background=BackgroundTask(upstream.aclose),  # also when the browser goes away
    )
