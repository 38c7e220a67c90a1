"""The agent's own account: who they are at intake, and their console password (set, or
changed with the current one or just after signing in by a mailed link)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import sessions
from services.console.sessions import AgentSession
from services.console.web import (
    COOKIE,
    LINK_COOKIE,
    AgentDep,
    checked_form,
    page,
    runtime_of,
    upstream_of,
)
from shared.signin import read_token
from shared.web.upstream import ProblemError

router = APIRouter(include_in_schema=False)


def _fresh_link(request: Request, agent: AgentSession) -> tuple[str, datetime] | None:
    """The mailed link this session was opened with, and until when it proves the mailbox
    (intake checks it again)."""
    link = request.cookies.get(LINK_COOKIE)
    grant = read_token(runtime_of(request).signer, link) if link else None
    if link is None or grant is None or grant.credential_id != agent.credential_id:
        return None
    if grant.expires_at <= datetime.now(UTC):
        return None
    return link, grant.expires_at


async def _account_page(
    request: Request,
    agent: AgentSession,
    status_code: int = 200,
    *,
    link_spent: bool = False,
    **context: Any,
) -> Response:
    me = await upstream_of(request).json(agent, "intake", "GET", "/v1/staff/me")
    fresh = None if link_spent else _fresh_link(request, agent)
    return page(
        request,
        "account.html.j2",
        agent.language,
        status_code,
        agent=agent,
        me=me,
        link_until=fresh[1].isoformat() if fresh else None,
        **context,
    )


@router.get("/account")
async def account(request: Request, agent: AgentDep) -> Response:
    return await _account_page(request, agent)


@router.post("/account/password")
async def set_password(request: Request, agent: AgentDep) -> Response:
    """Intake decides (the current password, or the fresh link); on success every other
    session of the agent ends, this one goes on."""
    form = await checked_form(request, agent)
    current, fresh = form.get("current_password") or None, _fresh_link(request, agent)
    body = {
        "password": form.get("password", ""),
        "current_password": current,
        "sign_in_link": fresh[0] if fresh and current is None else None,
    }
    try:
        await upstream_of(request).json(
            agent,
            "intake",
            "PUT",
            "/v1/staff/me/password",
            json=body,
            client=request.client.host if request.client else None,
        )
    except ProblemError as exc:
        fields = exc.problem.fields
        current_error = fields.get("current_password") or fields.get("sign_in_link")
        new_error = fields.get("password")
        return await _account_page(
            request,
            agent,
            exc.problem.status,
            password_error=new_error,
            current_error=current_error,
            error=None if new_error or current_error else exc.problem.detail,
        )
    ended = await sessions.end_others(
        runtime_of(request).db, agent.credential_id, request.cookies[COOKIE]
    )
    response = await _account_page(request, agent, link_spent=True, saved=True, ended=ended)
    # The link proved the mailbox once; a later change takes the new password.
    response.delete_cookie(LINK_COOKIE, path="/account")
    return response
