"""The intake service: where every request enters and where its record lives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import handlers, tables
from services.intake.attachments import routes as attachments
from services.intake.canned_replies import routes as canned_replies
from services.intake.conversation import routes as conversation
from services.intake.credentials import queries as credential_queries
from services.intake.credentials import routes as credentials
from services.intake.customers import routes as customers
from services.intake.feedback import rating_page
from services.intake.feedback import routes as feedback
from services.intake.knowledge import routes as knowledge
from services.intake.mail import imap, smtp
from services.intake.mail import queries as mail_queries
from services.intake.mail import routes as mail
from services.intake.privacy import routes as privacy
from services.intake.staff import admin_routes as staff_admin
from services.intake.staff import routes as staff
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets import queue_routes as queue
from services.intake.tickets import routes as tickets
from shared.bus import Bus
from shared.runtime import ServiceRuntime, build_app
from shared.settings import Settings


def create_app(settings: Settings | None = None, *, bus: Bus | None = None) -> FastAPI:
    runtime = ServiceRuntime.create(
        "intake", tables.metadata, handlers.make_handlers(), settings, bus
    )
    # Intake issued the staff tokens and partner keys: it reads their revocation in its own
    # credentials (the other services keep a table fed by ``credential.revoked``).
    runtime.revocation_lookup = credential_queries.is_revoked
    remembered_for = timedelta(hours=runtime.settings.limits.idempotency_retention_hours)

    async def expired_idempotency_keys(session: AsyncSession, now: datetime) -> int:
        return await ticket_queries.purge_idempotent(session, now - remembered_for)

    runtime.purges["idempotency_keys"] = expired_idempotency_keys
    throttled_for = timedelta(days=runtime.settings.mail_intake.throttled_mail_retention_days)

    async def expired_throttled_mail(session: AsyncSession, now: datetime) -> int:
        return await mail_queries.purge_throttled(session, now - throttled_for)

    runtime.purges["throttled_mail"] = expired_throttled_mail
    if runtime.settings.mail_intake.imap_url is not None:
        runtime.workers.append(imap.poller(runtime))
    app = build_app(
        runtime,
        title="SviftDesk intake",
        description="Tickets from the web form, email, partners and the API.",
        # A forwarded mail may be as large as one the SMTP listener accepts.
        body_limits={mail.RAW_MAIL_PATH: runtime.settings.mail_intake.max_mail_bytes},
        # Files sent as multipart/form-data: each is counted as it arrives (413 naming it).
        upload_limit=(
            tickets.UPLOAD_PATHS,
            runtime.settings.limits.max_message_attachments_bytes
            + runtime.settings.limits.max_request_bytes,
        ),
    )
    for router in (
        tickets.router,
        conversation.router,
        attachments.router,
        queue.router,
        feedback.router,
        feedback.ratings_router,
        rating_page.router,
        credentials.router,
        mail.router,
        knowledge.router,
        canned_replies.router,
        privacy.router,
        staff.router,
        staff_admin.router,
        customers.router,
    ):
        app.include_router(router)
    serve_http = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The SMTP listener opens once the database and bus are up, and closes first.
        async with serve_http(app), smtp.listening(runtime):
            yield

    app.router.lifespan_context = lifespan
    return app
