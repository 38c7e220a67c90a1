"""The notifier service: tells customers of every stage, by email and by webhook."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifier import handlers, tables
from services.notifier.api import beta, deliveries, staff, webhooks
from services.notifier.destinations import DestinationGuard
from services.notifier.mailer import make_mailer
from services.notifier.sender import DeliverySender
from services.notifier.staff import WaitingAlerts
from shared import revocation
from shared.bus import Bus
from shared.policy.book import load_book
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings, load_settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    settings = settings or load_settings()
    # The receipt states the desk's times, on the policy the sla service keeps too.
    book = load_book(settings)
    runtime = ServiceRuntime.create(
        "notifier",
        tables.metadata,
        {
            **handlers.make_handlers(book, settings.deliveries.staff_waiting_alert_minutes),
            **revocation.handlers_by_type(tables.revoked_credential),
        },
        settings,
        bus,
    )
    guard = DestinationGuard(
        allow_http=runtime.settings.deliveries.webhook_allow_http,
        allowed_networks=runtime.settings.deliveries.webhook_allowed_networks,
    )
    sender = DeliverySender(
        runtime,
        make_mailer(
            runtime.settings.deliveries.smtp_url,
            runtime.settings.mail_dir,
            local_hostname=runtime.settings.public.mail_domain,
            require_starttls=runtime.settings.deliveries.smtp_require_starttls,
        ),
        guard,
    )
    runtime.db.on_commit("deliveries", sender.wake)
    runtime.workers.append(sender.run)
    waiting = WaitingAlerts(runtime)
    runtime.workers.append(waiting.run)
    app = build_app(
        runtime,
        title="SviftDesk notifier",
        description=(
            "Receipts, stage updates and reports to customers; partner webhooks; what staff "
            "must act on, by mail and by event."
        ),
    )
    app.state.sender = sender
    app.state.waiting_alerts = waiting
    app.state.webhook_guard = guard
    app.include_router(deliveries.router)
    app.include_router(webhooks.router)
    app.include_router(beta.router)
    app.include_router(staff.router)
    return app
