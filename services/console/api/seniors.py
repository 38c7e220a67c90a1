"""The senior specialists' queue of escalations (clause 11): take one, close it with the
outcome the customer reads. The complaints' page (complaints.py) is a queue of the same kind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class EscalationQueue:
    """A page of escalations a senior takes and closes: its address, its template (which lists
    them as ``listed``), and what of the escalation service's list it shows."""

    path: str
    template: str
    listed: str
    params: dict[str, Any] = field(default_factory=dict)

    async def page(
        self,
        request: Request,
        agent: AgentSession,
        *,
        problem: Problem | None = None,
        failed: str | None = None,
        typed: dict[str, str] | None = None,
    ) -> Response:
        escalations = await upstream_of(request).json(
            agent, "escalation", "GET", "/v1/escalations", params=self.params or None
        )
        return agent_page(
            request,
            agent,
            self.template,
            problem=problem,
            failed=failed,
            typed=typed or {},
            **{self.listed: escalations},
        )

    async def act(
        self, request: Request, agent: AgentSession, escalation_id: str, action: str
    ) -> Response:
        """Claim or close one (with the outcome typed); a refusal shows the queue again with
        the reason beside that escalation and the words kept."""
        form = await checked_form(request, agent)
        try:
            uuid.UUID(escalation_id)
        except ValueError:
            return not_found(request, agent)
        body = {"outcome": form.get("outcome", "")} if action == "close" else None
        try:
            await upstream_of(request).call(
                agent, "escalation", "POST", f"/v1/escalations/{escalation_id}/{action}", json=body
            )
        except ProblemError as exc:
            return await self.page(
                request, agent, problem=exc.problem, failed=escalation_id, typed=form
            )
        return redirect(self.path)


ESCALATIONS = EscalationQueue("/escalations", "escalations.html.j2", "escalations")


@router.get("/escalations")
async def escalations(request: Request, agent: AgentDep) -> Response:
    return await ESCALATIONS.page(request, agent)


@router.post("/escalations/{escalation_id}/claim")
async def claim(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await ESCALATIONS.act(request, agent, escalation_id, "claim")


@router.post("/escalations/{escalation_id}/close")
async def close(request: Request, escalation_id: str, agent: AgentDep) -> Response:
    return await ESCALATIONS.act(request, agent, escalation_id, "close")
