"""The admins' pages (issue 16): staff, partner keys, parked deliveries and events, and the
policy with the coming year's calendar. All through the services' APIs as the signed-in
admin; the console checks the role only to show a plain 403 page rather than a service's
refusal, and the services check it again.

A destructive action (revoking, a role change, which ends the member's sessions) is asked
again on a confirmation page before it is sent: no script is needed for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.sessions import AgentSession
from services.console.web import (
    AgentDep,
    agent_page,
    checked_form,
    not_found,
    page,
    redirect,
    runtime_of,
    upstream_of,
)
from shared.auth import Role
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

# What shows a page again with a service's refusal of the form.
Again = Callable[[Problem, dict[str, str]], Awaitable[Response]]
STAFF_ROLES = ("agent", "senior", "admin")
# What a partner key may be given (intake's PARTNER_SCOPES; intake refuses any other).
PARTNER_SCOPES = ("tickets:write", "tickets:read", "webhooks", "mail:write")
# Whose parked events the page lists; the console's own are read from its bus.
EVENT_SERVICES = ("intake", "sla", "escalation", "notifier")


def _refused(request: Request, agent: AgentSession) -> Response | None:
    """A 403 page for anyone but an admin; None for an admin."""
    if agent.role is Role.admin:
        return None
    return page(request, "admin_forbidden.html.j2", agent.language, 403, agent=agent)


def _admin_page(
    request: Request,
    agent: AgentSession,
    name: str,
    section: str,
    *,
    problem: Problem | None = None,
    **context: Any,
) -> Response:
    return agent_page(request, agent, name, section=section, problem=problem, **context)


@dataclass(frozen=True)
class _Ask:
    """A destructive action's confirmation page: its question, where its button posts the
    same form again (with ``confirmed``), the way back, and what of the form it shows."""

    action: str
    question: str
    back: str
    shown: Callable[[dict[str, str]], dict[str, str]] = lambda _form: {}


async def _act(
    request: Request,
    agent: AgentSession,
    *,
    call: Callable[[dict[str, str]], Awaitable[object]],
    again: Again,
    done: str,
    ask: _Ask | None = None,
) -> Response:
    """An admin's form: asked again first if ``ask``, then ``call`` with it and on to
    ``done``; a refusal shows the page ``again`` with the service's reason."""
    if refused := _refused(request, agent):
        return refused
    form = await checked_form(request, agent)
    if ask is not None and form.get("confirmed") != "yes":
        return page(
            request,
            "admin_confirm.html.j2",
            agent.language,
            agent=agent,
            section="",
            action=ask.action,
            question=ask.question,
            back=ask.back,
            fields={**ask.shown(form), "who": form.get("who", "")},
        )
    try:
        await call(form)
    except ProblemError as exc:
        return await again(exc.problem, form)
    return redirect(done)


# -- staff ------------------------------------------------------------------------------


async def _agents_page(
    request: Request,
    agent: AgentSession,
    *,
    problem: Problem | None = None,
    typed: dict[str, str] | None = None,
    failed: str | None = None,
    notice: str | None = None,
) -> Response:
    staff = await upstream_of(request).json(agent, "intake", "GET", "/v1/staff")
    return _admin_page(
        request,
        agent,
        "admin_agents.html.j2",
        "agents",
        problem=problem,
        staff=staff,
        roles=STAFF_ROLES,
        typed=typed or {},
        failed=failed,
        notice=notice,
        me=str(agent.credential_id),
    )


@router.get("/admin")
async def admin_home(request: Request, agent: AgentDep) -> Response:
    return _refused(request, agent) or redirect("/admin/agents")


@router.get("/admin/agents")
async def agents(request: Request, agent: AgentDep) -> Response:
    return _refused(request, agent) or await _agents_page(
        request, agent, notice=request.query_params.get("done")
    )


@router.post("/admin/agents")
async def invite(request: Request, agent: AgentDep) -> Response:
    async def send(form: dict[str, str]) -> None:
        body = {
            "email": form.get("email", "").strip(),
            "name": form.get("name", ""),
            "role": form.get("role", "agent"),
            "language": form.get("language", agent.language),
        }
        await upstream_of(request).call(agent, "intake", "POST", "/v1/staff", json=body)

    async def again(problem: Problem, form: dict[str, str]) -> Response:
        return await _agents_page(request, agent, problem=problem, typed=form)

    return await _act(request, agent, call=send, again=again, done="/admin/agents?done=invited")


def _staff_again(request: Request, agent: AgentSession, staff_id: str) -> Again:
    async def again(problem: Problem, _form: dict[str, str]) -> Response:
        return await _agents_page(request, agent, problem=problem, failed=staff_id)

    return again


@router.post("/admin/agents/{staff_id}/role")
async def change_role(request: Request, staff_id: str, agent: AgentDep) -> Response:
    async def send(form: dict[str, str]) -> None:
        body = {"role": form.get("role", ""), "language": agent.language}
        path = f"/v1/staff/{staff_id}/role"
        await upstream_of(request).call(agent, "intake", "PUT", path, json=body)

    def shown(form: dict[str, str]) -> dict[str, str]:
        role = form.get("role", "")
        return {"role": role if role in STAFF_ROLES else "agent"}

    return await _act(
        request,
        agent,
        call=send,
        again=_staff_again(request, agent, staff_id),
        done="/admin/agents?done=role",
        ask=_Ask(f"/admin/agents/{staff_id}/role", "adm_confirm_role", "/admin/agents", shown),
    )


@router.post("/admin/agents/{staff_id}/revoke")
async def revoke_agent(request: Request, staff_id: str, agent: AgentDep) -> Response:
    path = f"/v1/credentials/{staff_id}/revoke"
    return await _act(
        request,
        agent,
        call=lambda _form: upstream_of(request).call(agent, "intake", "POST", path),
        again=_staff_again(request, agent, staff_id),
        done="/admin/agents?done=revoked",
        ask=_Ask(f"/admin/agents/{staff_id}/revoke", "adm_confirm_revoke", "/admin/agents"),
    )


# -- partner keys -------------------------------------------------------------------------


async def _keys_page(
    request: Request,
    agent: AgentSession,
    *,
    problem: Problem | None = None,
    typed: dict[str, Any] | None = None,
    issued: dict[str, Any] | None = None,
    notice: str | None = None,
) -> Response:
    listing = await upstream_of(request).json(agent, "intake", "GET", "/v1/credentials")
    keys = sorted(
        (c for c in listing if c["role"] == "partner"),
        key=lambda c: (c["revoked_at"] is not None, c["created_at"]),
    )
    return _admin_page(
        request,
        agent,
        "admin_keys.html.j2",
        "keys",
        problem=problem,
        keys=keys,
        scopes=PARTNER_SCOPES,
        typed=typed or {},
        issued=issued,
        notice=notice,
    )


@router.get("/admin/keys")
async def keys(request: Request, agent: AgentDep) -> Response:
    return _refused(request, agent) or await _keys_page(
        request, agent, notice=request.query_params.get("done")
    )


@router.post("/admin/keys")
async def create_key(request: Request, agent: AgentDep) -> Response:
    """The key's secret is in this one answer only (intake keeps its hash): shown once."""
    if refused := _refused(request, agent):
        return refused
    body_text = (await request.body()).decode("utf-8", errors="replace")
    form = await checked_form(request, agent)
    # A repeated field (the scopes' checkboxes): form_of keeps only the last.
    chosen = [v for k, v in parse_qsl(body_text) if k == "scopes"]
    typed: dict[str, Any] = {"partner_name": form.get("partner_name", ""), "scopes": chosen}
    try:
        issued = await upstream_of(request).json(
            agent,
            "intake",
            "POST",
            "/v1/credentials",
            json={"role": "partner", **typed},
        )
    except ProblemError as exc:
        return await _keys_page(request, agent, problem=exc.problem, typed=typed)
    return await _keys_page(request, agent, issued=issued)


@router.post("/admin/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, agent: AgentDep) -> Response:
    path = f"/v1/credentials/{key_id}/revoke"

    async def again(problem: Problem, _form: dict[str, str]) -> Response:
        return await _keys_page(request, agent, problem=problem)

    return await _act(
        request,
        agent,
        call=lambda _form: upstream_of(request).call(agent, "intake", "POST", path),
        again=again,
        done="/admin/keys?done=revoked",
        ask=_Ask(f"/admin/keys/{key_id}/revoke", "adm_confirm_key", "/admin/keys"),
    )


# -- parked deliveries and events ---------------------------------------------------------


async def _deliveries_page(
    request: Request, agent: AgentSession, *, problem: Problem | None = None
) -> Response:
    parked = await upstream_of(request).json(agent, "notifier", "GET", "/v1/deliveries/parked")
    return _admin_page(
        request,
        agent,
        "admin_deliveries.html.j2",
        "deliveries",
        problem=problem,
        parked=parked,
        notice=request.query_params.get("done"),
    )


@router.get("/admin/deliveries")
async def deliveries(request: Request, agent: AgentDep) -> Response:
    return _refused(request, agent) or await _deliveries_page(request, agent)


@router.post("/admin/deliveries/{delivery_id}/retry")
async def retry_delivery(request: Request, delivery_id: str, agent: AgentDep) -> Response:
    path = f"/v1/deliveries/{delivery_id}/retry"

    async def again(problem: Problem, _form: dict[str, str]) -> Response:
        return await _deliveries_page(request, agent, problem=problem)

    return await _act(
        request,
        agent,
        call=lambda _form: upstream_of(request).call(agent, "notifier", "POST", path),
        again=again,
        done="/admin/deliveries?done=retried",
    )


async def _events_page(
    request: Request, agent: AgentSession, *, problem: Problem | None = None
) -> Response:
    upstream = upstream_of(request)
    events: list[dict[str, Any]] = []
    for service in EVENT_SERVICES:
        for event in await upstream.json(agent, service, "GET", "/v1/admin/parked-events"):
            events.append({"service": service, **event})
    # The console's own consumer (it learns of revoked credentials) parks on the same bus.
    runtime = runtime_of(request)
    for parked in await runtime.bus.parked(runtime.name):
        events.append(
            {
                "service": runtime.name,
                "consumer": parked.consumer,
                "event_id": parked.event.id,
                "type": parked.event.type,
                "time": parked.event.time.isoformat(),
                "error": parked.error,
            }
        )
    return _admin_page(
        request,
        agent,
        "admin_events.html.j2",
        "events",
        problem=problem,
        events=events,
        notice=request.query_params.get("done"),
    )


@router.get("/admin/events")
async def parked_events(request: Request, agent: AgentDep) -> Response:
    return _refused(request, agent) or await _events_page(request, agent)


@router.post("/admin/events/{service}/{event_id}/replay")
async def replay_event(request: Request, service: str, event_id: str, agent: AgentDep) -> Response:
    if refused := _refused(request, agent):
        return refused
    await checked_form(request, agent)
    runtime = runtime_of(request)
    if service == runtime.name:
        if not await runtime.bus.replay_one(runtime.name, event_id):
            gone = Problem(404, "No parked event with this id.")
            return await _events_page(request, agent, problem=gone)
        return redirect("/admin/events?done=replayed")
    if service not in EVENT_SERVICES:
        return not_found(request, agent)
    try:
        await upstream_of(request).call(
            agent, service, "POST", f"/v1/admin/parked-events/{event_id}/replay"
        )
    except ProblemError as exc:
        return await _events_page(request, agent, problem=exc.problem)
    return redirect("/admin/events?done=replayed")


# -- policy and calendar ------------------------------------------------------------------


@router.get("/admin/policy")
async def policy(request: Request, agent: AgentDep) -> Response:
    """The policy in force and every version, and a year's calendar: the coming year unless
    another is asked for."""
    if refused := _refused(request, agent):
        return refused
    upstream = upstream_of(request)
    coming = datetime.now(UTC).year + 1
    asked = request.query_params.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else coming
    book = await upstream.json(agent, "sla", "GET", "/v1/policy")
    calendar = await upstream.json(
        agent,
        "sla",
        "GET",
        f"/v1/calendar/years/{year}",
        params={"language": agent.language},
    )
    in_force = next(v for v in book["versions"] if v["version"] == book["in_force"])
    return _admin_page(
        request,
        agent,
        "admin_policy.html.j2",
        "policy",
        book=book,
        in_force=in_force,
        calendar=calendar,
        year=year,
        years=(coming - 1, coming, coming + 1),
    )
