"""The customers' portal: their request, and the pages our mail links to (pages only).

It owns no business data: tickets, ratings and articles are read and changed through the
other services' public APIs, as the customer (their ticket's access key) or anonymously.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import tables
from services.portal.api import beta, feedback, file, home, kb, links, requests, status
from services.portal.upstream import ProblemError, Upstream
from services.portal.web import CsrfError, page
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings

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
    upstream = Upstream(runtime.settings.peers, transports)
    app = build_app(
        runtime,
        title="SviftDesk portal",
        description="The customers' pages: their request and what our mail links to.",
        # A request's files come through here on their way to intake: the form's and a reply's.
        upload_limit=(
            re.compile(f"{requests.UPLOADS.pattern}|{file.UPLOADS.pattern}"),
            runtime.settings.max_message_attachments_bytes + runtime.settings.max_request_bytes,
        ),
    )
    app.state.upstream = upstream
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serve(app):
            try:
                yield
            finally:
                await upstream.close()

    app.router.lifespan_context = lifespan
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(home.router)
    app.include_router(requests.router)
    app.include_router(links.router)
    app.include_router(file.router)
    app.include_router(kb.router)
    app.include_router(feedback.router)
    app.include_router(beta.router)
    app.include_router(status.router)
    _install_page_errors(app)
    return app


def _install_page_errors(app: FastAPI) -> None:
    """A page never shows a stack trace: what went wrong, in the customer's words."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return page(request, "not_found.html.j2", 404)
        return page(request, "error.html.j2", exc.status_code, message_key="error")

    @app.exception_handler(ProblemError)
    async def refused(request: Request, exc: ProblemError) -> Response:
        # What a page did not expect: the service's reason, in its words.
        if exc.problem.status == 404:
            return page(request, "not_found.html.j2", 404)
        if exc.problem.status == 429:
            return page(request, "error.html.j2", 429, message_key="too_many")
        return page(request, "error.html.j2", exc.problem.status, detail=exc.problem.detail)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, _exc: CsrfError) -> Response:
        return page(request, "error.html.j2", 403, message_key="csrf")

    @app.exception_handler(httpx.TransportError)
    async def unavailable(request: Request, exc: httpx.TransportError) -> Response:
        log.warning("portal.upstream_unavailable", error=type(exc).__name__)
        return page(request, "error.html.j2", 503, message_key="unavailable")

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("portal.page_failed", error=type(exc).__name__)
        return page(request, "error.html.j2", 500, message_key="error")
