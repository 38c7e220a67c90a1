"""The escalation service: senior review, complaints, incidents, bugs to development."""

from __future__ import annotations

from fastapi import FastAPI

from services.escalation import handlers, tables
from services.escalation.api import development, escalations, incidents, tickets
from services.escalation.forwarding import TrackerSender
from shared import revocation
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    consumers = {**handlers.HANDLERS, **revocation.handlers_by_type(tables.revoked_credential)}
    runtime = ServiceRuntime.create("escalation", tables.metadata, consumers, settings, bus)
    sender = TrackerSender(runtime)
    runtime.db.on_commit("forwards", sender.wake)
    runtime.workers.append(sender.run)
    app = build_app(
        runtime,
        title="SviftDesk escalation",
        description="Escalations to senior specialists, complaints, incidents, bug forwarding.",
    )
    app.state.sender = sender
    app.include_router(escalations.router)
    app.include_router(incidents.router)
    app.include_router(development.router)
    app.include_router(tickets.router)
    return app
