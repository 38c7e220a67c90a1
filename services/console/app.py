"""The agent console: the agents' and seniors' workplace in the browser (pages only).

It owns no business data: every ticket, clock and escalation is read and changed through the
other services' public APIs, as the signed-in agent. Its own tables hold sessions only.
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

from services.console import handlers, notices, sessions, tables
from services.console.api import (
    account,
    admin,
    canned,
    desk,
    incidents,
    knowledge,
    notifications,
    oidc,
    seniors,
    signin,
    tickets,
)
from services.console.api import reports as reports_pages
from services.console.live import LiveHub
from services.console.upstream import ProblemError, SessionRefusedError, Upstream
from services.console.web import (
    COOKIE,
    CsrfError,
    SignInRequiredError,
    close_form,
    form_of,
    page,
    runtime_of,
    to_sign_in,
)
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings

log = structlog.get_logger(__name__)
# The reply form, multipart/form-data with its files.
REPLY_PATH = re.compile(r"/tickets/[^/]+/messages")


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """``transports``: how to reach intake, sla and escalation other than by their URLs
    (tests hand it the apps themselves)."""
    runtime = ServiceRuntime.create("console", tables.metadata, handlers.HANDLERS, settings, bus)
    runtime.purges["sessions"] = sessions.purge_expired
    runtime.purges["notices"] = notices.purge_expired
    live = LiveHub(runtime.db)
    runtime.workers.append(live.run)
    upstream = Upstream(runtime.settings.peers, runtime.signer, transports)
    app = build_app(
        runtime,
        title="SviftDesk console",
        description="The agents' workplace: pages only, on the other services' APIs.",
        # A reply's files are passed on to intake, which counts each against its own limits.
        upload_limit=(
            REPLY_PATH,
            runtime.settings.max_message_attachments_bytes + runtime.settings.max_request_bytes,
        ),
    )
    app.state.upstream = upstream
    app.state.live = live
    # The server ends the live streams before it waits for the responses in flight.
    app.state.on_drain = [live.close]
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serve(app):
            try:
                yield
            finally:
                live.close()
                await upstream.close()

    app.router.lifespan_context = lifespan
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(signin.router)
    app.include_router(oidc.router)
    app.include_router(desk.router)
    app.include_router(seniors.router)
    app.include_router(canned.router)
    app.include_router(account.router)
    app.include_router(incidents.router)
    app.include_router(reports_pages.router)
    app.include_router(notifications.router)
    app.include_router(knowledge.router)
    app.include_router(admin.router)
    app.include_router(tickets.router)
    _install_page_errors(app)
    return app


# The fields of the console's forms an agent writes in (a reply, a note, a reason...).
WRITTEN = frozenset({"body", "note", "reason", "summary", "text", "outcome"})


def _install_page_errors(app: FastAPI) -> None:
    """A page never shows a stack trace: what went wrong, in the agent's words."""

    @app.exception_handler(SignInRequiredError)
    async def sign_in_required(request: Request, _exc: SignInRequiredError) -> Response:
        if request.method == "POST" and request.url.path.endswith("/messages"):
            # The session ended while the agent wrote: their words are shown, not lost.
            draft = (await form_of(request)).get("body", "")
            await close_form(request)  # the files of a multipart reply are not sent
            if draft.strip():
                return page(request, "sign_in.html.j2", "ru", 401, notice="ended", draft=draft)
        return to_sign_in(request)

    @app.exception_handler(SessionRefusedError)
    async def refused(request: Request, _exc: SessionRefusedError) -> Response:
        # The services no longer honour the agent (revoked): the session ends here too.
        cookie = request.cookies.get(COOKIE)
        if cookie:
            await sessions.end(runtime_of(request).db, cookie)
        return to_sign_in(request)

    async def error_page(request: Request, status: int, **context: str) -> Response:
        # In the agent's language and with the menu, so they can go on from here.
        cookie, agent = request.cookies.get(COOKIE), None
        try:
            agent = await sessions.find(runtime_of(request).db, cookie) if cookie else None
        except Exception:  # an error page must not fail in turn: shown bare then
            log.warning("console.error_page_without_session", exc_info=True)
        language = agent.language if agent else "ru"
        return page(request, "error.html.j2", language, status, agent=agent, **context)

    @app.exception_handler(ProblemError)
    async def refused_here(request: Request, exc: ProblemError) -> Response:
        # What a page did not expect (a role without the right, say): the service's reason.
        return await error_page(request, exc.problem.status, detail=exc.problem.detail)

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, _exc: CsrfError) -> Response:
        # A stale page's form (a tab from before the agent signed in again): what they wrote
        # is shown to copy, not lost with the refusal.
        form = await form_of(request) if request.method == "POST" else {}
        unsent = "\n\n".join(v.strip() for k, v in form.items() if k in WRITTEN and v.strip())
        return await error_page(request, 403, message_key="csrf", unsent=unsent)

    @app.exception_handler(httpx.TransportError)
    async def unavailable(request: Request, exc: httpx.TransportError) -> Response:
        log.warning("console.upstream_unavailable", error=type(exc).__name__)
        return await error_page(request, 503, message_key="unavailable")
