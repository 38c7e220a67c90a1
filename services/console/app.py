"""The agent console: the agents' and seniors' workplace in the browser (pages only).

It owns no business data: every ticket, clock and escalation is read and changed through the
other services' public APIs, as the signed-in agent. Its own tables hold sessions only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response

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
from services.console.upstream import SessionRefusedError, Upstream
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
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.app import install_unavailable_page, web_app
from shared.web.upstream import ProblemError

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
    app = web_app(
        runtime,
        Upstream(runtime.settings.peers, runtime.signer, transports),
        title="SviftDesk console",
        description="The agents' workplace: pages only, on the other services' APIs.",
        uploads=REPLY_PATH,
        static=Path(__file__).parent / "static",
        routers=[
            signin.router,
            oidc.router,
            desk.router,
            seniors.router,
            canned.router,
            account.router,
            incidents.router,
            reports_pages.router,
            notifications.router,
            knowledge.router,
            admin.router,
            tickets.router,
        ],
        on_stop=[live.close],
    )
    app.state.live = live
    # The server ends the live streams before it waits for the responses in flight.
    app.state.on_drain = [live.close]
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

    install_unavailable_page(app, error_page)
