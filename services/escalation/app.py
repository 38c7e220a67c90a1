"""The escalation service: senior review, complaints, incidents, bugs to development."""

from __future__ import annotations

from fastapi import FastAPI

from services.escalation import handlers, tables
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime.create("escalation", tables.metadata, handlers.HANDLERS, settings, bus)
    return build_app(
        runtime,
        title="SviftDesk escalation",
        description="Escalations to senior specialists, complaints, incidents, bug forwarding.",
    )
