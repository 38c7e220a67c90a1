"""The agent's desk: the queue by arrival, taking the next request, a ticket and its actions.

Every read and change goes to the owning service's API as the agent; what that API refuses
is shown next to the field, with what the agent typed kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n
from services.console.api import tickets
from services.console.sessions import AgentSession
from services.console.upstream import Upstream
from services.console.web import (
    AgentDep,
    agent_page,
    checked_form,
    close_form,
    not_found,
    page,
    redirect,
    uploads_of,
    upstream_of,
    when,
)
from shared.contracts.events import Category
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

QUEUE_PAGE = 100
COMPLEXITIES = ("simple", "standard", "complex")
CATEGORIES = tuple(category.value for category in Category)


@router.get("/")
async def home() -> Response:
    return redirect("/queue")


async def _queue_rows(upstream: Upstream, agent: AgentSession) -> list[dict[str, Any]]:
    """The queue by arrival (clause 7), each with its age and its first-response clock."""
    items: list[dict[str, Any]] = await upstream.json(
        agent, "intake", "GET", "/v1/queue", params={"limit": QUEUE_PAGE}
    )
    clocks: dict[str, dict[str, Any]] = {}
    if items:
        views = await upstream.json(
            agent, "sla", "GET", "/v1/tickets/sla", params={"ticket_id": [i["id"] for i in items]}
        )
        clocks = {view["ticket_id"]: view for view in views}
    now = datetime.now(UTC)
    for item in items:
        received = datetime.fromisoformat(item["received_at"])
        item["age_minutes"] = (now - received).total_seconds() / 60
        view = clocks.get(item["id"])
        item["first_response"] = view["first_response"] if view else None
    return items


@router.get("/queue")
async def queue(request: Request, agent: AgentDep) -> Response:
    rows = await _queue_rows(upstream_of(request), agent)
    empty = "empty" in request.query_params
    return page(request, "queue.html.j2", agent.language, agent=agent, rows=rows, empty=empty)


@router.get("/queue/rows")
async def queue_rows(request: Request, agent: AgentDep) -> Response:
    """The queue's rows alone: the page polls them, so new requests appear by themselves."""
    rows = await _queue_rows(upstream_of(request), agent)
    return page(request, "queue_rows.html.j2", agent.language, rows=rows)


@router.post("/queue/take")
async def take_next(request: Request, agent: AgentDep) -> Response:
    await checked_form(request, agent)
    response = await upstream_of(request).call(agent, "intake", "POST", "/v1/queue/claim")
    if response.status_code == 204:
        return redirect("/queue?empty=1")
    return redirect(f"/tickets/{response.json()['id']}")


# The views beside the queue: intake's ticket list, filtered.
VIEWS: dict[str, dict[str, Any]] = {
    "mine": {"mine": "true"},
    "needs_reply": {"needs_reply": "true"},
    "waiting": {"status": ["waiting_customer", "waiting_partner", "in_development"]},
    "resolved": {"status": ["resolved"]},
}


@router.get("/views/{view}")
async def ticket_view(request: Request, view: str, agent: AgentDep) -> Response:
    if view not in VIEWS:
        return not_found(request, agent)
    listing = await upstream_of(request).json(
        agent, "intake", "GET", "/v1/tickets", params={**VIEWS[view], "limit": 100}
    )
    return page(
        request, "view.html.j2", agent.language, agent=agent, view=view, tickets=listing["items"]
    )


@router.get("/search")
async def search(request: Request, agent: AgentDep, q: str = "") -> Response:
    """Intake's full-text search: any form of a word, Russian or English; a number or an
    address exactly. An empty box shows the box alone."""
    hits: list[dict[str, Any]] = []
    problem = None
    if q.strip():
        try:
            found = await upstream_of(request).json(
                agent, "intake", "GET", "/v1/tickets/search", params={"q": q, "limit": 50}
            )
            hits = found["items"]
        except ProblemError as exc:
            problem = exc.problem
    return agent_page(
        request,
        agent,
        "search.html.j2",
        q=q,
        hits=hits,
        problem=problem,
    )


async def _ticket_page(
    request: Request,
    agent: AgentSession,
    ticket_id: str,
    *,
    problem: Problem | None = None,
    form: str | None = None,
    typed: dict[str, str] | None = None,
    canned: str | None = None,
) -> Response:
    upstream = upstream_of(request)
    try:
        reads = await tickets.read_ticket(upstream, agent, ticket_id)
    except ProblemError as exc:
        if exc.problem.status == 404:
            return not_found(request, agent)
        raise
    ticket, sla = reads.ticket, reads.sla
    draft = ""
    if canned and problem is None:
        try:
            draft = await canned_reply_for(upstream, agent, canned, ticket, sla)
        except ProblemError as exc:
            problem, form = exc.problem, "canned"
    messages = {message["id"]: message for message in ticket["messages"]}
    return agent_page(
        request,
        agent,
        "ticket.html.j2",
        here=f"/tickets/{ticket['id']}",
        ticket=ticket,
        sla=sla,
        forwards=reads.forwards,
        others=reads.others,
        replies=reads.replies,
        timeline=reads.timeline,
        canned=canned,
        draft=draft,
        messages=messages,
        complexities=COMPLEXITIES,
        categories=CATEGORIES,
        problem=problem,
        failed_form=form,
        typed=typed or {},
    )


@router.get("/tickets/{ticket_id}")
async def ticket_page(
    request: Request, ticket_id: str, agent: AgentDep, canned: str | None = None
) -> Response:
    """The ticket; with ``canned``, its reply box holds that canned reply filled in (a plain
    GET form, so it works without JavaScript)."""
    return await _ticket_page(request, agent, ticket_id, canned=canned or None)


async def canned_reply_for(
    upstream: Upstream,
    agent: AgentSession,
    reply_id: str,
    ticket: dict[str, Any],
    sla: dict[str, Any] | None,
) -> str:
    """A canned reply filled in for the ticket: intake fills what it keeps; the expected
    answer time comes from the sla service's clock, in Moscow time like the whole desk."""
    rendered = await upstream.json(
        agent,
        "intake",
        "GET",
        f"/v1/canned-replies/{reply_id}/render",
        params={"ticket": ticket["id"]},
    )
    body: str = rendered["body"]
    if "expected_answer_time" in rendered["unfilled"]:
        body = body.replace("{expected_answer_time}", expected_answer(sla, rendered["language"]))
    return body


def expected_answer(sla: dict[str, Any] | None, language: str) -> str:
    """When the customer can expect the answer: the first response's due time while it is
    owed, else the resolution's; a paused or finished clock promises no time."""
    for target in ("first_response", "resolution"):
        due = sla[target]["due_at"] if sla else None
        if due:
            return f"{when(due)} ({i18n.words(language)['moscow_time']})"
    return i18n.words(language)["answer_soon"]


async def _act(
    request: Request,
    agent: AgentSession,
    ticket_id: str,
    form_name: str,
    typed: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    service: str = "intake",
    files: list[tuple[str, tuple[str, Any, str]]] | None = None,
) -> Response:
    """Do it, and come back to the ticket; on a refusal, the page with the reason beside the
    field and the agent's words kept. With ``files``, as multipart/form-data."""
    send: dict[str, Any] = {"json": body}
    if files:
        fields = {
            name: str(value).lower() if isinstance(value, bool) else value
            for name, value in body.items()
        }
        send = {"data": fields, "files": files}
    try:
        await upstream_of(request).call(agent, service, method, path, **send)
    except ProblemError as exc:
        return await _ticket_page(
            request, agent, ticket_id, problem=exc.problem, form=form_name, typed=typed
        )
    return redirect(f"/tickets/{ticket_id}")


@router.post("/tickets/{ticket_id}/messages")
async def add_message(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    """A note, or a reply with the files the agent chose (the reply form is multipart: its
    files are spooled to disk as they arrive and sent on to intake in chunks)."""
    try:
        form = await checked_form(request, agent)
        internal = form.get("internal") == "true"
        files = tickets.uploads(await uploads_of(request, tickets.ATTACHMENTS))
        return await _act(
            request,
            agent,
            ticket_id,
            "note" if internal else "reply",
            form,
            "POST",
            f"/v1/tickets/{ticket_id}/messages",
            {"body": form.get("body", ""), "internal": internal},
            files=files,
        )
    finally:
        await close_form(request)


@router.post("/tickets/{ticket_id}/transitions")
async def move(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    body: dict[str, Any] = {"to": form.get("to", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"]
    if form.get("partner_name", "").strip() or form.get("partner_reference", "").strip():
        body["partner"] = {
            "name": form.get("partner_name", ""),
            "reference": form.get("partner_reference", ""),
        }
    return await _act(
        request,
        agent,
        ticket_id,
        "move",
        form,
        "POST",
        f"/v1/tickets/{ticket_id}/transitions",
        body,
    )


@router.post("/tickets/{ticket_id}/complexity")
async def set_complexity(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    return await _act(
        request,
        agent,
        ticket_id,
        "complexity",
        form,
        "PUT",
        f"/v1/tickets/{ticket_id}/complexity",
        {"complexity": form.get("complexity", "")},
    )


@router.post("/tickets/{ticket_id}/unassign")
async def back_to_queue(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    """Back in the queue, at the place its arrival gives it (clause 7)."""
    form = await checked_form(request, agent)
    path = f"/v1/tickets/{ticket_id}/assignee"
    return await _act(request, agent, ticket_id, "unassign", form, "PUT", path, {"agent_id": None})


@router.post("/tickets/{ticket_id}/extension")
async def extend(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    """More time to resolve, with the reason the customer reads (clause 26)."""
    form = await checked_form(request, agent)
    body = {"business_days": form.get("business_days", ""), "reason": form.get("reason", "")}
    path = f"/v1/tickets/{ticket_id}/sla/extension"
    return await _act(request, agent, ticket_id, "extension", form, "POST", path, body, "sla")


@router.post("/tickets/{ticket_id}/development")
async def forward(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    """A bug goes to the development department (clause 12)."""
    form = await checked_form(request, agent)
    body = {"summary": form.get("summary", "")}
    path = f"/v1/tickets/{ticket_id}/development"
    return await _act(
        request, agent, ticket_id, "development", form, "POST", path, body, "escalation"
    )


@router.post("/tickets/{ticket_id}/category")
async def set_category(request: Request, ticket_id: str, agent: AgentDep) -> Response:
    """Correct the category the words gave it (clause 18); a complaint is then reviewed."""
    form = await checked_form(request, agent)
    path = f"/v1/tickets/{ticket_id}/category"
    body = {"category": form.get("category", "")}
    return await _act(request, agent, ticket_id, "category", form, "PUT", path, body)
