"""A web service's app: the runtime's (ops endpoints, body limits, security headers), the
clients of the back-end services, its static files, its pages and their error pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from shared.runtime import ServiceRuntime, build_app
from shared.web.upstream import ServiceClients

log = structlog.get_logger(__name__)


class ErrorPage(Protocol):
    """The service's error page: the status, and what the template is told."""

    def __call__(self, request: Request, status: int, **context: Any) -> Awaitable[Response]: ...


def web_app(
    runtime: ServiceRuntime,
    upstream: ServiceClients,
    *,
    title: str,
    description: str,
    uploads: re.Pattern[str],
    static: Path,
    routers: Iterable[APIRouter],
    on_stop: Iterable[Callable[[], None]] = (),
) -> FastAPI:
    """``uploads``: the paths whose forms carry files; ``on_stop``: what to end, before the
    clients are closed, when the app stops."""
    settings = runtime.settings
    app = build_app(
        runtime,
        title=title,
        description=description,
        # A form's files come through on their way to intake, which counts each against its
        # own limits: the page's body limit must not be the tighter one.
        upload_limit=(
            uploads,
            settings.limits.max_message_attachments_bytes + settings.limits.max_request_bytes,
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
                for stop in on_stop:
                    stop()
                await upstream.close()

    app.router.lifespan_context = lifespan
    app.mount("/static", StaticFiles(directory=static), name="static")
    for router in routers:
        app.include_router(router)
    return app


def install_unavailable_page(app: FastAPI, error_page: ErrorPage) -> None:
    """A service the page needs cannot be reached: a 503 page that says so, not a trace."""

    @app.exception_handler(httpx.TransportError)
    async def unavailable(request: Request, exc: httpx.TransportError) -> Response:
        name = request.app.state.runtime.name
        log.warning(f"{name}.upstream_unavailable", error=type(exc).__name__)
        return await error_page(request, 503, message_key="unavailable")
