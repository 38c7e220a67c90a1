"""What every console page shares: templates, the signed-in agent, CSRF, forms, headers."""

from __future__ import annotations

import hmac
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from services.console import i18n, sessions
from services.console.sessions import AgentSession
from services.console.upstream import Upstream
from shared.runtime import ServiceRuntime

COOKIE = "sviftdesk_console"
# The mailed link a session was opened with, sent to the account page alone until it expires.
LINK_COOKIE = "sviftdesk_console_link"
# No inline script or style anywhere: htmx and the stylesheet are files of ours.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["label"] = i18n.label
templates.globals["duration"] = i18n.duration
# Times as the desk reads them (clause 1): Moscow time, whatever the server's zone.
DESK_ZONE = ZoneInfo("Europe/Moscow")


def when(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(DESK_ZONE).strftime("%d.%m.%Y %H:%M")


templates.filters["when"] = when


class SignInRequiredError(Exception):
    """No live session: the page sends the agent to sign in."""


class CsrfError(Exception):
    """A form without this session's CSRF token."""


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


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


async def current_agent(request: Request) -> AgentSession:
    cookie = request.cookies.get(COOKIE)
    agent = await sessions.find(runtime_of(request).db, cookie) if cookie else None
    if agent is None:
        raise SignInRequiredError()
    return agent


AgentDep = Annotated[AgentSession, Depends(current_agent)]


# What Starlette raises for a multipart body it cannot parse (HTTPException inside an app).
UNREADABLE = (MultiPartException, HTTPException)


def _multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def form_of(request: Request) -> dict[str, str]:
    """The form's text fields (the last of a repeated one), urlencoded or multipart; a form
    that cannot be read has none (and so no CSRF token: it is refused)."""
    if _multipart(request):
        try:
            form = await request.form()
        except UNREADABLE:
            return {}
        return {name: value for name, value in form.multi_items() if isinstance(value, str)}
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def uploads_of(request: Request, name: str) -> list[UploadFile | str]:
    """The files of a multipart form's field (read by ``form_of`` first); none otherwise.
    Starlette spools each to disk past 1 MiB, so a large file is never held in memory."""
    if not _multipart(request):
        return []
    return (await request.form()).getlist(name)


async def close_form(request: Request) -> None:
    """Delete a multipart form's spooled files once the request is done with them."""
    if _multipart(request):
        try:
            await (await request.form()).close()
        except (*UNREADABLE, RuntimeError):  # never read (refused before), or unreadable
            pass


async def checked_form(request: Request, agent: AgentSession) -> dict[str, str]:
    """The form, if it carries this session's CSRF token; CsrfError otherwise."""
    form = await form_of(request)
    given = form.pop("csrf", "")
    if not hmac.compare_digest(given.encode(), agent.csrf_token.encode()):
        raise CsrfError()
    return form


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def to_sign_in(request: Request, reason: str = "ended") -> Response:
    """Back to the sign-in page; an htmx request is told to go there as a whole page."""
    url = f"/sign-in?{reason}=1"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    response = redirect(url)
    response.delete_cookie(COOKIE, path="/")
    return response
