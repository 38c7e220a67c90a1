"""The agent's notices: the page (newest first, unread marked, "mark all read"), their choices
of what they are told and how (the notifier's ``/v1/staff/me/notifications``), and the live
stream (``/events``) that brings new notices and the queue's changes to any open page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from services.console import i18n, notices, sessions
from services.console.live import LiveHub, stream
from services.console.notices import Notice
from services.console.sessions import AgentSession
from services.console.web import (
    COOKIE,
    PAGE_HEADERS,
    AgentDep,
    checked_form,
    page,
    redirect,
    runtime_of,
    upstream_of,
)
from shared.contracts.events import StaffNoticeKind
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

PREFERENCES = "/v1/staff/me/notifications"
KINDS = tuple(kind.value for kind in StaffNoticeKind)
DELIVERIES = ("mail", "console", "off")


def hub_of(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live
    return hub


def link_of(notice: Notice) -> str:
    # A review waits in the senior queue; everything else is about one ticket.
    if notice.kind == StaffNoticeKind.escalation_arrived.value:
        return "/escalations"
    return f"/tickets/{notice.ticket_id}"


def words_of(notice: Notice, language: str) -> str:
    t = i18n.words(language)
    return t.get(f"ntf_kind_{notice.kind}", notice.kind).format(number=notice.number)


def _typed(form: dict[str, str]) -> dict[str, Any]:
    """What the agent chose in the form, as the notifier takes it."""
    kinds = {kind: form[kind] for kind in KINDS if kind in form}
    body: dict[str, Any] = {"kinds": kinds}
    if form.get("mail_language"):
        body["language"] = form["mail_language"]
    return body


def _field_errors(problem: Problem) -> dict[str, str]:
    """The notifier's reasons by form field: ``kinds.sla_warning`` is the sla_warning select."""
    errors = {}
    for field, reason in problem.fields.items():
        name = field.removeprefix("kinds.").split(".")[0]
        errors["mail_language" if name == "language" else name] = reason
    return errors


async def _page(
    request: Request,
    agent: AgentSession,
    status_code: int = 200,
    *,
    chosen: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    saved: bool = False,
) -> Response:
    db = runtime_of(request).db
    listed = await notices.newest(db, agent.credential_id)
    problem = None
    if chosen is None:
        try:
            chosen = await upstream_of(request).json(agent, "notifier", "GET", PREFERENCES)
        except ProblemError as exc:
            # The notifier has not heard of this token yet: the notices still show.
            problem = exc.problem.detail
    return page(
        request,
        "notifications.html.j2",
        agent.language,
        status_code,
        agent=agent,
        notices=listed,
        unread=sum(not n.read for n in listed),
        up_to=listed[0].seq if listed else 0,
        link_of=link_of,
        words_of=words_of,
        kinds=KINDS,
        deliveries=DELIVERIES,
        chosen=chosen,
        preferences_problem=problem,
        errors=errors or {},
        error=error,
        saved=saved,
    )


@router.get("/notifications")
async def notifications(request: Request, agent: AgentDep) -> Response:
    return await _page(request, agent, saved=request.query_params.get("saved") == "1")


@router.post("/notifications/read")
async def mark_all_read(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    up_to = form.get("up_to", "")
    await notices.mark_all_read(
        runtime_of(request).db, agent.credential_id, int(up_to) if up_to.isdecimal() else None
    )
    return redirect("/notifications")


@router.post("/notifications/preferences")
async def change_preferences(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    body = _typed(form)
    try:
        await upstream_of(request).json(agent, "notifier", "PATCH", PREFERENCES, json=body)
    except ProblemError as exc:
        errors = _field_errors(exc.problem)
        typed = {"kinds": body["kinds"], "language": form.get("mail_language", "")}
        return await _page(
            request,
            agent,
            exc.problem.status,
            chosen=typed,
            errors=errors,
            error=None if errors else exc.problem.detail,
        )
    # Back to the page by GET: a reload does not send the form again.
    return redirect("/notifications?saved=1")


@router.get("/events")
async def events(request: Request, agent: AgentDep) -> Response:
    """Server-sent events for the agent's open pages (see services.console.live)."""
    last = request.headers.get("last-event-id", "")
    db, cookie = runtime_of(request).db, request.cookies.get(COOKIE, "")

    async def signed_in() -> bool:
        return await sessions.find(db, cookie) is not None

    def describe(notice: Notice) -> dict[str, str]:
        return {"text": words_of(notice, agent.language), "href": link_of(notice)}

    body = stream(
        hub_of(request),
        db,
        agent.credential_id,
        describe,
        signed_in=signed_in,
        last_seq=int(last) if last.isdecimal() else None,
    )
    # No buffering by a proxy (nginx honours X-Accel-Buffering), or nothing arrives live.
    headers = {**PAGE_HEADERS, "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)
