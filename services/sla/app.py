"""The SLA service: the business calendar, the policy, and every ticket's clocks."""

from __future__ import annotations

from fastapi import FastAPI

from services.sla import handlers, tables
from services.sla.api import calendar, reports, tickets
from services.sla.clocks import SlaClocks
from services.sla.gauges import SlaGauges
from services.sla.scanner import BreachScanner
from shared import revocation
from shared.bus import Bus
from shared.policy.book import load_book
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings, load_settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    settings = settings or load_settings()
    book = load_book(settings)
    clocks = SlaClocks(book)
    consumers = {
        **handlers.make_handlers(clocks),
        **revocation.handlers_by_type(tables.revoked_credential),
    }
    runtime = ServiceRuntime.create("sla", tables.metadata, consumers, settings, bus)
    scanner = BreachScanner(runtime, clocks)
    runtime.db.on_commit("clocks", scanner.wake)
    gauges = SlaGauges(runtime.db, book, runtime.registry)
    runtime.workers += [scanner.run, gauges.run]
    app = build_app(
        runtime,
        title="SviftDesk SLA",
        description="The business calendar (Mon–Thu 09:00–18:00 Moscow) and ticket clocks.",
    )
    app.state.book, app.state.clocks, app.state.scanner = book, clocks, scanner
    app.state.gauges = gauges
    app.include_router(calendar.router)
    app.include_router(tickets.router)
    app.include_router(reports.router)
    return app
