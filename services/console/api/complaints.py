"""Complaints under review (clause 14): a complaint is its own kind of request, reviewed by a
senior in the escalation service. Its escalations, apart from the rest of the senior queue:
take one, close it with the outcome the customer reads. Seniors only: the API says so."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.sessions import AgentSession
from services.console.upstream import Problem, ProblemError
from services.console.web import AgentDep, checked_form, page, redirect, upstream_of

router = APIRouter(include_in_schema=False)

ACTIVE = ("open", "assigned")


async def _complaints_page(
    request: Request,
    agent: AgentSession,
    *,
    problem: Problem | None = None,
    failed: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    # Those still waiting or under review, by arrival (clause 7); a closed one has left.
    params = {"source": "complaint", "status": list(ACTIVE)}
    listed = await upstream_of(request).json(
        agent, "escalation", "GET", "/v1/escalations", params=params
    )
    return page(
        request,
        "complaints.html.j2",
        agent.language,
        status_code=problem.status if problem else 200,
        agent=agent,
        complaints=listed,
        problem=problem,
        failed=failed,
        typed=typed or {},
    )


@router.get("/complaints")
async def complaints(request: Request, agent: AgentDep) -> Response:
    return await _complaints_page(request, agent)


async def _act(request: Request, agent: AgentSession, escalation_id: str, action: str) -> Response:
    form = await checked_form(request, agent)
    try:
        uuid.UUID(escalation_id)
    except ValueError:
        return page(request, "not_found.html.j2", agent.language, 404, agent=agent)
    body = {"outcome": form.get("outcome", "")} if action == "close" else None
    try:
        await upstream_of(request).call(
            agent, "escalation", "POST", f"/v1/escalations/{escalation_id}/{action}", json=body
        )
    except ProblemError as exc:
        return await _complaints_page(
            request, agent, problem=exc.problem, failed=escalation_id, typed=form
        )
    return redirect("/complaints")


@router.post("/complaints/{escalation_id}/claim")
async def claim(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await _act(request, agent, escalation_id, "claim")


@router.post("/complaints/{escalation_id}/close")
async def close(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await _act(request, agent, escalation_id, "close")
