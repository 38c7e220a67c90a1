"""What every page of a web service shares: its templates, times as the desk reads them, the
security headers, the form it was sent and the CSRF refusal, redirects."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from shared.runtime import ServiceRuntime

# No inline script or style anywhere: htmx and the stylesheet are files of ours. Not framed:
# a page that can be framed can be clicked through by another site.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Times as the desk keeps them (clause 1): Moscow time, whatever the server's zone.
DESK_ZONE = ZoneInfo("Europe/Moscow")


def when(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(DESK_ZONE).strftime("%d.%m.%Y %H:%M")


def templates_in(folder: Path) -> Environment:
    """The service's Jinja2 templates, escaped, with the ``when`` filter."""
    templates = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["when"] = when
    return templates


class CsrfError(Exception):
    """A form without the CSRF token this visitor was given."""


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


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
