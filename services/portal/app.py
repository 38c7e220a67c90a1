"""The customers' portal: their request, and the pages our mail links to (pages only).

It owns no business data: tickets, ratings and articles are read and changed through the
other services' public APIs, as the customer (their ticket's access key) or anonymously.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import tables
from services.portal.api import beta, feedback, file, home, kb, links, requests, status
from services.portal.upstream import Upstream
from services.portal.web import CsrfError, page
from shared.bus import Bus
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.app import install_unavailable_page, web_app
from shared.web.upstream import ProblemError

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """``transports``: how to reach intake, sla, escalation and the notifier other than by
    their URLs (tests hand it the apps themselves)."""
    runtime = ServiceRuntime.create("portal", tables.metadata, {}, settings, bus)
    app = web_app(
        runtime,
        Upstream(runtime.settings.peers, transports),
        title="SviftDesk portal",
        description="The customers' pages: their request and what our mail links to.",
        # A request's files come through here on their way to intake: the form's and a reply's.
        uploads=re.compile(f"{requests.UPLOADS.pattern}|{file.UPLOADS.pattern}"),
        static=Path(__file__).parent / "static",
        routers=[
            home.router,
            requests.router,
            links.router,
            file.router,
            kb.router,
            feedback.router,
            beta.router,
            status.router,
        ],
    )
    _install_page_errors(app)
    return app


def _install_page_errors(app: FastAPI) -> None:
    """A page never shows a stack trace: what went wrong, in the customer's words."""

    async def error_page(request: Request, status: int, **context: Any) -> Response:
        if status == 404:
            return page(request, "not_found.html.j2", 404)
        return page(request, "error.html.j2", status, **context)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await error_page(request, exc.status_code, message_key="error")

    @app.exception_handler(ProblemError)
    async def refused(request: Request, exc: ProblemError) -> Response:
        # What a page did not expect: the service's reason, in its words.
        if exc.problem.status == 429:
            return await error_page(request, 429, message_key="too_many")
        return await error_page(request, exc.problem.status, detail=exc.problem.detail)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, _exc: CsrfError) -> Response:
        return await error_page(request, 403, message_key="csrf")

    install_unavailable_page(app, error_page)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("portal.page_failed", error=type(exc).__name__)
        return await error_page(request, 500, message_key="error")
