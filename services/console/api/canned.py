"""Canned replies (issue 16): the team's shared ones (written by seniors and admins) and each
agent's own, in Russian or English, written and changed here through intake's API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.sessions import AgentSession
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


async def _canned_page(
    request: Request,
    agent: AgentSession,
    reply_id: str | None = None,
    *,
    problem: Problem | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The list with the form for a new one, or (``reply_id``) the form for that one."""
    upstream = upstream_of(request)
    replies: list[dict[str, Any]] = []
    editing = None
    try:
        if reply_id:
            editing = await upstream.json(agent, "intake", "GET", f"/v1/canned-replies/{reply_id}")
        else:
            replies = await upstream.json(agent, "intake", "GET", "/v1/canned-replies")
    except ProblemError as exc:
        if exc.problem.status in (404, 422):
            return not_found(request, agent)
        raise
    return agent_page(
        request,
        agent,
        "canned.html.j2",
        replies=replies,
        editing=editing,
        problem=problem,
        typed=typed,
    )


@router.get("/canned-replies")
async def canned_replies(request: Request, agent: AgentDep) -> Response:
    return await _canned_page(request, agent)


@router.get("/canned-replies/{reply_id}")
async def canned_reply(request: Request, reply_id: str, agent: AgentDep) -> Response:
    return await _canned_page(request, agent, reply_id)


async def _save(
    request: Request,
    agent: AgentSession,
    reply_id: str | None,
    form: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
) -> Response:
    """Save it and go back to the list; on a refusal, the form again with the reason beside
    the field and the agent's words kept."""
    try:
        await upstream_of(request).call(agent, "intake", method, path, json=body)
    except ProblemError as exc:
        return await _canned_page(request, agent, reply_id, problem=exc.problem, typed=form)
    return redirect("/canned-replies")


def _fields(form: dict[str, str]) -> dict[str, Any]:
    return {key: form.get(key, "") for key in ("title", "body", "language")}


@router.post("/canned-replies")
async def create(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    body = {**_fields(form), "shared": form.get("shared") == "true"}
    return await _save(request, agent, None, form, "POST", "/v1/canned-replies", body)


@router.post("/canned-replies/{reply_id}")
async def change(request: Request, reply_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    path = f"/v1/canned-replies/{reply_id}"
    return await _save(request, agent, reply_id, form, "PATCH", path, _fields(form))


@router.post("/canned-replies/{reply_id}/delete")
async def delete(request: Request, reply_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    path = f"/v1/canned-replies/{reply_id}"
    return await _save(request, agent, reply_id, form, "DELETE", path, {})
