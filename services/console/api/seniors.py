"""The senior specialists' queue of escalations (clause 11): take one, close it with the
outcome the customer reads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.sessions import AgentSession
from services.console.upstream import Problem, ProblemError
from services.console.web import AgentDep, checked_form, page, redirect, upstream_of

router = APIRouter(include_in_schema=False)


async def _escalations_page(
    request: Request,
    agent: AgentSession,
    *,
    problem: Problem | None = None,
    failed: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    escalations = await upstream_of(request).json(agent, "escalation", "GET", "/v1/escalations")
    return page(
        request,
        "escalations.html.j2",
        agent.language,
        status_code=problem.status if problem else 200,
        agent=agent,
        escalations=escalations,
        problem=problem,
        failed=failed,
        typed=typed or {},
    )


@router.get("/escalations")
async def escalations(request: Request, agent: AgentDep) -> Response:
    return await _escalations_page(request, agent)


@router.post("/escalations/{escalation_id}/claim")
async def claim(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    path = f"/v1/escalations/{escalation_id}/claim"
    try:
        await upstream_of(request).call(agent, "escalation", "POST", path)
    except ProblemError as exc:
        return await _escalations_page(
            request, agent, problem=exc.problem, failed=escalation_id, typed=form
        )
    return redirect("/escalations")


@router.post("/escalations/{escalation_id}/close")
async def close(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    path = f"/v1/escalations/{escalation_id}/close"
    try:
        await upstream_of(request).call(
            agent, "escalation", "POST", path, json={"outcome": form.get("outcome", "")}
        )
    except ProblemError as exc:
        return await _escalations_page(
            request, agent, problem=exc.problem, failed=escalation_id, typed=form
        )
    return redirect("/escalations")
