"""Sends recorded deliveries, retries failures with growing delays, gives up after the last."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import repository
from services.notifier.domain.messages import build_email, render, retry_delay
from services.notifier.mailer import Mailer
from shared.contracts.mail import message_id
from shared.db import Database
from shared.settings import Settings
from shared.wakeup import Wakeup

log = structlog.get_logger(__name__)


class DeliverySender:
    def __init__(self, db: Database, mailer: Mailer, settings: Settings, *, batch: int = 50):
        self._db, self._mailer, self._settings, self._batch = db, mailer, settings, batch
        self._wakeup = Wakeup()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.send_due()
            except Exception:
                log.exception("delivery.sender_failed")
                sent = 0
                await asyncio.sleep(1)
            if sent < self._batch:
                await self._wakeup.wait(1.0)

    async def send_due(self) -> int:
        async with self._db.transaction() as session:
            now = datetime.now(UTC)
            due = await repository.due_deliveries(
                session, now, limit=self._batch, lock=self._db.is_postgres
            )
            for row in due:
                await self._send_one(session, row)
            return len(due)

    async def _send_one(self, session: AsyncSession, row: Row[Any]) -> None:
        number = str(row.context["number"])
        mid = message_id(str(row.id), number, self._settings.mail_domain)
        context = {**row.context, "site_url": self._settings.site_url}
        try:
            subject, text, html = render(row.template, row.language, context)
            message = build_email(
                sender=self._settings.mail_from,
                recipient=row.recipient,
                number=number,
                subject=subject,
                text=text,
                html=html,
                message_id=mid,
                language=row.language,
            )
            await self._mailer.send(message)
        except Exception as exc:
            delay = retry_delay(row.attempts + 1)
            retry_at = None if delay is None else datetime.now(UTC) + timedelta(seconds=delay)
            log.warning(
                "delivery.failed",
                delivery_id=str(row.id),
                attempt=row.attempts + 1,
                error=type(exc).__name__,
                gave_up=retry_at is None,
            )
            await repository.mark_failed_attempt(
                session, row.id, error=f"{type(exc).__name__}: {exc}", retry_at=retry_at
            )
            return
        await repository.mark_sent(session, row.id, message_id=mid, at=datetime.now(UTC))
        log.info("delivery.sent", delivery_id=str(row.id), template=row.template)
