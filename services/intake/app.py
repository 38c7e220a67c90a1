"""The intake service: where every request enters and where its record lives."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake import handlers, tables
from services.intake.api import credentials, feedback, queue, tickets
from shared.bus import Bus
from shared.errors import document_problem_responses
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime.create("intake", tables.metadata, {}, settings, bus)
    runtime.handlers = handlers.make_handlers(runtime)
    app = build_app(
        runtime,
        title="SviftDesk intake",
        description="Tickets from the web form, email, partners and the API.",
    )
    for router in (tickets.router, queue.router, feedback.router, credentials.router):
        app.include_router(router)
    document_problem_responses(app)
    return app
