"""Incidents (clause 23) in the console: declare one, link the tickets it caused, tell every
linked customer at once, resolve it with the words they read. All on the escalation
service's incidents API; who may do what is its decision, shown when it refuses."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n
from services.console.api import complaints
from services.console.sessions import AgentSession
from services.console.upstream import Upstream
from services.console.web import (
    AgentDep,
    agent_page,
    checked_form,
    not_found,
    redirect,
    upstream_of,
)
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)
router.include_router(complaints.router)

STATUSES = ("open", "resolved")
# How many tickets one link form takes: the API takes 1000, a person types a few.
MAX_REFS = 50
# A ticket's number as people type it (SC-000042, sc-42); anything else must be an id.
NUMBER = re.compile(r"SC-\d{1,12}", re.IGNORECASE)


def _uuid(value: str | None) -> str | None:
    """A well-formed id, or None: what goes into an upstream path must be one."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


async def _ticket(upstream: Upstream, agent: AgentSession, ref: str) -> dict[str, Any] | None:
    """The ticket a number (SC-000042) or id names; None if intake knows none."""
    # Only a number or an id goes into the path: typed text never reaches another route.
    if not NUMBER.fullmatch(ref) and _uuid(ref) is None:
        return None
    try:
        found: dict[str, Any] = await upstream.json(agent, "intake", "GET", f"/v1/tickets/{ref}")
    except ProblemError as exc:
        if exc.problem.status in (404, 422):
            return None
        raise
    return found


async def _list_page(
    request: Request,
    agent: AgentSession,
    status: str,
    ticket_id: str | None = None,
    *,
    problem: Problem | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    upstream = upstream_of(request)
    listed = await upstream.json(
        agent, "escalation", "GET", "/v1/incidents", params={"status": status}
    )
    # From a ticket's page: the incidents it may join, and the ticket by its number.
    ticket = await _ticket(upstream, agent, ticket_id) if ticket_id else None
    return agent_page(
        request,
        agent,
        "incidents.html.j2",
        status=status,
        incidents=listed,
        ticket=ticket,
        problem=problem,
        typed=typed or {},
    )


@router.get("/incidents")
async def incidents(
    request: Request, agent: AgentDep, status: str = "open", ticket: str | None = None
) -> Response:
    """Open or resolved incidents; with ``ticket`` (from a ticket's page), each open one offers
    to link that ticket, and a new one is declared with it."""
    return await _list_page(request, agent, status if status in STATUSES else "open", _uuid(ticket))


@router.post("/incidents")
async def declare(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    ticket_id = _uuid(form.get("ticket"))
    body = {
        "title": form.get("title", ""),
        "summary": form.get("summary", ""),
        "ticket_ids": [ticket_id] if ticket_id else [],
    }
    try:
        declared = await upstream_of(request).json(
            agent, "escalation", "POST", "/v1/incidents", json=body
        )
    except ProblemError as exc:
        return await _list_page(request, agent, "open", ticket_id, problem=exc.problem, typed=form)
    return redirect(f"/incidents/{declared['id']}")


async def _incident_page(
    request: Request,
    agent: AgentSession,
    incident_id: str,
    *,
    problem: Problem | None = None,
    failed: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    if _uuid(incident_id) is None:
        return not_found(request, agent)
    try:
        incident = await upstream_of(request).json(
            agent, "escalation", "GET", f"/v1/incidents/{incident_id}"
        )
    except ProblemError as exc:
        if exc.problem.status == 404:
            return not_found(request, agent)
        raise
    return agent_page(
        request,
        agent,
        "incident.html.j2",
        incident=incident,
        problem=problem,
        failed=failed,
        typed=typed or {},
    )


@router.get("/incidents/{incident_id}")
async def incident(request: Request, incident_id: str, agent: AgentDep) -> Response:
    return await _incident_page(request, agent, incident_id)


async def _act(
    request: Request,
    agent: AgentSession,
    incident_id: str,
    form_name: str,
    path: str,
    body: dict[str, Any],
    typed: dict[str, str],
) -> Response:
    """One change through the API; refused, the page shows why beside the form, text kept."""
    if _uuid(incident_id) is None:
        return not_found(request, agent)
    try:
        await upstream_of(request).call(
            agent, "escalation", "POST", f"/v1/incidents/{incident_id}{path}", json=body
        )
    except ProblemError as exc:
        return await _incident_page(
            request, agent, incident_id, problem=exc.problem, failed=form_name, typed=typed
        )
    return redirect(f"/incidents/{incident_id}")


@router.post("/incidents/{incident_id}/tickets")
async def link(request: Request, incident_id: str, agent: AgentDep) -> Response:
    """Tickets by the numbers people read or by id, several at once; one unknown links none,
    so the agent corrects the list and sends it again."""
    form = await checked_form(request, agent)
    refs = list(dict.fromkeys(r for r in re.split(r"[\s,;]+", form.get("ticket", "")) if r))
    upstream, unknown, ticket_ids = upstream_of(request), [], []
    if len(refs) > MAX_REFS:
        unknown = refs[MAX_REFS:]
    for ref in refs[:MAX_REFS]:
        found = await _ticket(upstream, agent, ref)
        if found is None:
            unknown.append(ref)
        else:
            ticket_ids.append(found["id"])
    if unknown or not refs:
        reason = i18n.words(agent.language)["inc_unknown_ticket"]
        reason = f"{reason}: {', '.join(unknown)}" if unknown else reason
        problem = Problem(422, reason, {"ticket": reason})
        return await _incident_page(
            request, agent, incident_id, problem=problem, failed="link", typed=form
        )
    return await _act(
        request, agent, incident_id, "link", "/tickets", {"ticket_ids": ticket_ids}, form
    )


@router.post("/incidents/{incident_id}/updates")
async def post_update(request: Request, incident_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    body = {"text": form.get("text", "")}
    return await _act(request, agent, incident_id, "update", "/updates", body, form)


@router.post("/incidents/{incident_id}/resolve")
async def resolve(request: Request, incident_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    body = {"summary": form.get("summary", "")}
    return await _act(request, agent, incident_id, "resolve", "/resolve", body, form)
