"""What every console page shares: templates, the signed-in agent, CSRF, forms, headers."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.console import i18n, sessions
from services.console.sessions import AgentSession
from services.console.upstream import Upstream

# The page kit both web services share, under the names the console's routes import.
from shared.web.pages import CSP as CSP
from shared.web.pages import DESK_ZONE as DESK_ZONE
from shared.web.pages import CsrfError as CsrfError
from shared.web.pages import close_form as close_form
from shared.web.pages import form_of as form_of
from shared.web.pages import redirect as redirect
from shared.web.pages import runtime_of as runtime_of
from shared.web.pages import templates_in
from shared.web.pages import uploads_of as uploads_of
from shared.web.pages import when as when
from shared.web.upstream import Problem

COOKIE = "sviftdesk_console"
# The mailed link a session was opened with, sent to the account page alone until it expires.
LINK_COOKIE = "sviftdesk_console_link"
PAGE_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}

templates = templates_in(Path(__file__).parent / "templates")
templates.globals["label"] = i18n.label
templates.globals["duration"] = i18n.duration


class SignInRequiredError(Exception):
    """No live session: the page sends the agent to sign in."""


def upstream_of(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


def page(
    request: Request,
    name: str,
    language: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    body = templates.get_template(name).render(
        request=request, t=i18n.words(language), language=language, **context
    )
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def agent_page(
    request: Request,
    agent: AgentSession,
    name: str,
    *,
    problem: Problem | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page for the signed-in agent, in their language; with ``problem``, a service's
    refusal of their form shown on it, and its status the page's."""
    return page(
        request,
        name,
        agent.language,
        problem.status if problem else 200,
        agent=agent,
        problem=problem,
        **context,
    )


def not_found(request: Request, agent: AgentSession) -> HTMLResponse:
    return page(request, "not_found.html.j2", agent.language, 404, agent=agent)


async def current_agent(request: Request) -> AgentSession:
    cookie = request.cookies.get(COOKIE)
    agent = await sessions.find(runtime_of(request).db, cookie) if cookie else None
    if agent is None:
        raise SignInRequiredError()
    return agent


AgentDep = Annotated[AgentSession, Depends(current_agent)]


async def checked_form(request: Request, agent: AgentSession) -> dict[str, str]:
    """The form, if it carries this session's CSRF token; CsrfError otherwise."""
    form = await form_of(request)
    given = form.pop("csrf", "")
    if not hmac.compare_digest(given.encode(), agent.csrf_token.encode()):
        raise CsrfError()
    return form


def to_sign_in(request: Request, reason: str = "ended") -> Response:
    """Back to the sign-in page; an htmx request is told to go there as a whole page."""
    url = f"/sign-in?{reason}=1"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    response = redirect(url)
    response.delete_cookie(COOKIE, path="/")
    return response
