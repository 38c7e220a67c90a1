"""Sends recorded deliveries, by mail or by webhook; retries failures with growing delays and
parks a delivery after its last try, where ops see it and can put it back in line."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import repository
from services.notifier.domain import webhooks
from services.notifier.domain.messages import (
    BETA_LINK_PURPOSE,
    build_email,
    render,
    retry_delay,
    thread_headers,
)
from services.notifier.mailer import Mailer
from shared.auth import TokenSigner, remade_customer_key
from shared.db import Database
from shared.settings import Settings
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)


class WebhookRefusedError(RuntimeError):
    pass


class DeliverySender:
    def __init__(
        self,
        db: Database,
        mailer: Mailer,
        settings: Settings,
        signer: TokenSigner,
        *,
        batch: int = 50,
    ) -> None:
        self._db, self._mailer, self._settings, self._batch = db, mailer, settings, batch
        self._signer = signer
        self._wakeup = Wakeup()
        self._http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        )

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        try:
            while True:
                try:
                    sent = await self.send_due()
                except Exception:
                    if cancelled():
                        raise
                    log.exception("delivery.sender_failed")
                    sent = 0
                    await asyncio.sleep(1)
                if sent < self._batch:
                    await self._wakeup.wait(1.0)
        finally:
            await self._http.aclose()

    async def send_due(self) -> int:
        async with self._db.transaction() as session:
            due = await repository.due_deliveries(
                session, datetime.now(UTC), limit=self._batch, lock=self._db.is_postgres
            )
            for row in due:
                await self._send_one(session, row)
            return len(due)

    async def _send_one(self, session: AsyncSession, row: Row[Any]) -> None:
        if row.channel == "email" and row.erased_at is not None:
            # Recorded by a handler that read the contact just before the erasure committed.
            await repository.erase_delivery(session, row)
            log.info("delivery.erased", delivery_id=str(row.id))
            return
        try:
            if row.channel == "webhook":
                reference = await self._post_webhook(session, row)
            else:
                reference = await self._mail(row)
        except Exception as exc:
            attempt = row.attempts + 1
            delay = retry_delay(attempt, self._settings.notify_retry_delays_ms)
            retry_at = None if delay is None else datetime.now(UTC) + timedelta(seconds=delay)
            log.warning(
                "delivery.failed",
                delivery_id=str(row.id),
                channel=row.channel,
                attempt=attempt,
                error=type(exc).__name__,
                parked=retry_at is None,
            )
            await repository.mark_failed_attempt(
                session, row.id, error=f"{type(exc).__name__}: {exc}", retry_at=retry_at
            )
            return
        # Once the receipt is out, the customer's key is no longer ours to keep (clause 19).
        secret = webhooks.ACCESS_FIELDS
        kept = {key: value for key, value in row.context.items() if key not in secret}
        await repository.mark_sent(
            session, row.id, message_id=reference, at=datetime.now(UTC), context=kept
        )
        log.info("delivery.sent", delivery_id=str(row.id), channel=row.channel)

    async def _mail(self, row: Row[Any]) -> str:
        number = row.context.get("number")
        mid, reply_to = thread_headers(str(row.id), number, self._settings, self._signer)
        context = {**row.context, "site_url": self._settings.site_url, **self._links(row.recipient)}
        seed, key_id = context.pop("access_seed", None), context.pop("access_key_id", None)
        if seed and key_id:
            # Made only now, in memory, for the mail; a key rotated out since leaves no link.
            context["access_token"] = remade_customer_key(self._signer, key_id, seed)
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
            reply_to=reply_to,
        )
        await self._mailer.send(message)
        return mid

    def _links(self, recipient: str) -> dict[str, str]:
        """The beta programme's opt-in and opt-out links, for any mail (clause 28)."""
        token = self._signer.sign_value(BETA_LINK_PURPOSE, recipient)
        base = self._settings.notifier_public_url.rstrip("/") + "/v1/beta"
        return {
            "beta_opt_in_url": f"{base}/opt-in?token={token}",
            "beta_opt_out_url": f"{base}/opt-out?token={token}",
        }

    async def _post_webhook(self, session: AsyncSession, row: Row[Any]) -> str:
        subscription = await repository.get_webhook(session, uuid.UUID(row.recipient))
        if subscription is None:
            raise WebhookRefusedError("the subscription was removed")
        body = json.dumps(row.context, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        response = await self._http.post(
            subscription.url,
            content=body,
            headers={
                "Content-Type": "application/cloudevents+json",
                webhooks.EVENT_HEADER: row.event_type,
                webhooks.DELIVERY_HEADER: str(row.id),
                webhooks.TIMESTAMP_HEADER: str(timestamp),
                webhooks.SIGNATURE_HEADER: webhooks.sign(subscription.secret, timestamp, body),
            },
        )
        if not response.is_success:
            raise WebhookRefusedError(f"HTTP {response.status_code}")
        return str(response.status_code)
