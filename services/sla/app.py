"""The SLA service: the business calendar, the policy, and every ticket's clocks."""

from __future__ import annotations

from fastapi import FastAPI

from services.sla import handlers, tables
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime.create("sla", tables.metadata, handlers.HANDLERS, settings, bus)
    return build_app(
        runtime,
        title="SviftDesk SLA",
        description="The business calendar (Mon–Thu 09:00–18:00 Moscow) and ticket clocks.",
    )
