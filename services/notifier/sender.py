"""Sends recorded deliveries, by mail or by webhook; retries failures with growing delays and
parks a delivery after its last try, where ops see it and can put it back in line.

Customers' mail and each partner endpoint are separate lanes, each with a few deliveries in
flight at most, and every delivery has a total deadline: an endpoint that hangs, trickles or
fails holds up only its own deliveries, and after repeated failures it is paused. No database
transaction stays open while a message is on its way: a short unit of work leases the
delivery, another records how it went (the use cases in ``sending.py``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import structlog

from services.notifier import sending
from services.notifier.destinations import (
    DestinationGuard,
    DestinationRefusedError,
    GuardedTransport,
)
from services.notifier.domain import webhooks
from services.notifier.domain.breaker import Breaker
from services.notifier.domain.messages import (
    BETA_LINK_PURPOSE,
    PERSONAL_TEMPLATES,
    build_email,
    render,
    retry_delay,
    thread_headers,
)
from services.notifier.domain.notifications import ACCESS_LINKS
from services.notifier.domain.staff import STAFF_TEMPLATES
from services.notifier.mailer import Mailer
from services.notifier.repository import DeliveryRecord, DueDelivery, WebhookRecord
from shared import signin
from shared.auth import Role, remade_customer_key
from shared.contracts.api import RATING_LINK_PURPOSE, attachment_path, portal_rating_path
from shared.errors import database_unavailable
from shared.runtime import ServiceRuntime
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

# Who the notifier is to intake when it fetches an agent's attachments for the reply mail.
NOTIFIER_PRINCIPAL = uuid.uuid5(uuid.NAMESPACE_URL, "sviftdesk:notifier")
MAIL_LANE = "mail"  # every customer's mail; a webhook's lane is its subscription's id
MAIL_CONCURRENCY = 4
ENDPOINT_CONCURRENCY = 2
MAIL_DEADLINE_SECONDS = 60.0
# A leased delivery is tried again after its deadline and this much more, should the sender
# that took it have died on the way.
LEASE_MARGIN = timedelta(seconds=30)
# Recording an outcome through a database outage: first wait, longest wait.
RECORD_RETRY_FIRST_SECONDS = 0.25
RECORD_RETRY_MAX_SECONDS = 4.0


class WebhookRefusedError(RuntimeError):
    pass


# The resolution report carries the rating links (clauses 13, 27).
RESOLVED_TEMPLATE = "resolved"
SCORES = range(1, 6)


def lane_of(row: DeliveryRecord) -> str:
    return MAIL_LANE if row.channel == "email" else str(row.recipient)


def _ordered(row: DeliveryRecord) -> tuple[str, str]:
    """One delivery of a ticket in flight per lane, so that its customer (or partner) hears of
    its stages in the order they came; a delivery of no ticket (beta mail) is its own."""
    return lane_of(row), str(row.ticket_id or row.id)


class DeliverySender:
    """The worker: each round is a unit of work of the runtime's; the lanes, the breaker and
    the sending itself live here, between the rounds."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        mailer: Mailer,
        guard: DestinationGuard,
        *,
        batch: int = 50,
    ) -> None:
        settings = runtime.settings
        self._runtime, self._mailer, self._settings, self._batch = runtime, mailer, settings, batch
        self._signer = runtime.signer
        self._wakeup = Wakeup()
        self._in_flight: dict[str, int] = {}
        self._ordered: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.breaker = Breaker()
        self._http = httpx.AsyncClient(
            transport=GuardedTransport(guard),
            timeout=settings.deliveries.webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would connect past the guard
        )
        # Intake's API, where an agent's reply's files are fetched as its mail is written.
        self.intake = httpx.AsyncClient(
            base_url=settings.peers.intake_url,
            timeout=MAIL_DEADLINE_SECONDS / 2,
            trust_env=False,
        )

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        database_down = False
        try:
            while True:
                try:
                    started = await self.start_due()
                except Exception as exc:
                    if cancelled():
                        raise
                    if not database_unavailable(exc):
                        log.exception("delivery.sender_failed")
                    elif not database_down:
                        # Once per outage, without a traceback: it is no bug, and one a
                        # second would bury the log ops read to see the outage end.
                        log.warning("delivery.database_unavailable", error=type(exc).__name__)
                        database_down = True
                    started = 0
                    await asyncio.sleep(1)
                else:
                    if database_down:
                        log.info("delivery.database_back")
                    database_down = False
                if not started:
                    await self._wakeup.wait(1.0)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._http.aclose()
            await self.intake.aclose()

    def _capacity(self, lane: str) -> int:
        return MAIL_CONCURRENCY if lane == MAIL_LANE else ENDPOINT_CONCURRENCY

    async def start_due(self) -> int:
        """Lease what is due in lanes with room, and send each in its own task; returns how
        many deliveries it took up."""
        now = datetime.now(UTC)
        closed = self.breaker.paused(now) | {
            lane for lane, count in self._in_flight.items() if count >= self._capacity(lane)
        }
        taken: list[DueDelivery] = []
        counts = dict(self._in_flight)
        ordered = set(self._ordered)
        deadline = max(self._settings.deliveries.webhook_timeout_seconds, MAIL_DEADLINE_SECONDS)
        async with self._runtime.unit_of_work() as uow:
            due = await sending.due(
                uow,
                now,
                limit=self._batch,
                without_mail=MAIL_LANE in closed,
                without_webhooks=sorted(closed - {MAIL_LANE}),
                coalesce_window=timedelta(seconds=self._settings.deliveries.mail_coalesce_seconds),
            )
            for row in due.ready:
                if (
                    counts.get(lane_of(row), 0) < self._capacity(lane_of(row))
                    and _ordered(row) not in ordered
                ):
                    counts[lane_of(row)] = counts.get(lane_of(row), 0) + 1
                    ordered.add(_ordered(row))
                    taken.append(row)
            until = now + timedelta(seconds=deadline) + LEASE_MARGIN
            subscriptions = await sending.lease(uow, taken, until)
        for row in taken:
            lane = lane_of(row)
            if self.breaker.paused_until(lane, datetime.now(UTC)) is not None:
                continue  # paused while this was leased: it waits out its lease instead
            self._in_flight[lane] = self._in_flight.get(lane, 0) + 1
            self._ordered.add(_ordered(row))
            task = asyncio.create_task(self._deliver(row, subscriptions.get(row.recipient)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(taken) + due.settled

    async def _deliver(self, row: DeliveryRecord, subscription: WebhookRecord | None) -> None:
        lane = lane_of(row)
        try:
            if row.channel == "webhook":
                seconds = self._settings.deliveries.webhook_timeout_seconds
                sending = self._post_webhook(row, subscription)
            else:
                seconds = MAIL_DEADLINE_SECONDS
                sending = self._mail(row)
            try:
                async with asyncio.timeout(seconds):
                    reference = await sending
            except Exception as exc:
                if cancelled():
                    raise
                error = (
                    f"no answer within {seconds:g} s"
                    if isinstance(exc, TimeoutError)
                    else f"{type(exc).__name__}: {exc}"
                )
                await self._recorded(row, functools.partial(self._failed, row, exc, error))
            else:
                await self._recorded(row, functools.partial(self._sent, row, reference))
        except Exception:
            if cancelled():
                raise
            # Its lease runs out and it is tried again: at least once, never lost.
            log.exception("delivery.record_failed", delivery_id=str(row.id))
        finally:
            self._ordered.discard(_ordered(row))
            self._in_flight[lane] -= 1
            if not self._in_flight[lane]:
                del self._in_flight[lane]
            self.wake()

    async def _recorded(self, row: DeliveryRecord, record: Callable[[], Awaitable[None]]) -> None:
        """Record an attempt's outcome, waiting out a database outage while the lease holds:
        the mail is already out, and an outcome lost here would send it again."""
        give_up = time.monotonic() + LEASE_MARGIN.total_seconds() - RECORD_RETRY_MAX_SECONDS
        delay = RECORD_RETRY_FIRST_SECONDS
        while True:
            try:
                await record()
                return
            except Exception as exc:
                if cancelled() or not database_unavailable(exc) or time.monotonic() > give_up:
                    raise
                log.warning(
                    "delivery.record_waiting", delivery_id=str(row.id), error=type(exc).__name__
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECORD_RETRY_MAX_SECONDS)

    async def _failed(self, row: DeliveryRecord, exc: Exception, error: str) -> None:
        now = datetime.now(UTC)
        attempt = row.attempts + 1
        refused = isinstance(exc, DestinationRefusedError)
        # A destination that is not public will not become one by waiting: parked at once.
        delay = (
            None
            if refused
            else retry_delay(attempt, self._settings.deliveries.notify_retry_delays_ms)
        )
        retry_at = None if delay is None else now + timedelta(seconds=delay)
        paused_until = None
        if row.channel == "webhook" and not refused:
            paused_until = self.breaker.failed(lane_of(row), now)
        log.warning(
            "delivery.failed",
            delivery_id=str(row.id),
            channel=row.channel,
            attempt=attempt,
            error=type(exc).__name__,
            parked=retry_at is None,
            endpoint_paused=paused_until is not None,
        )
        async with self._runtime.unit_of_work() as uow:
            await sending.record_failure(
                uow,
                row,
                error=error,
                retry_at=retry_at,
                endpoint_paused_until=paused_until,
                failures_to_pause=self.breaker.failures_to_open,
            )

    async def _sent(self, row: DeliveryRecord, reference: str) -> None:
        if row.channel == "webhook":
            self.breaker.succeeded(lane_of(row))
        async with self._runtime.unit_of_work() as uow:
            await sending.record_sent(uow, row, reference)
        log.info("delivery.sent", delivery_id=str(row.id), channel=row.channel)

    async def _mail(self, row: DeliveryRecord) -> str:
        number = row.context.get("number")
        if row.template in STAFF_TEMPLATES:
            # Not threaded into the ticket: an agent's answer to it is not the customer's reply.
            number = None
        mid, reply_to = thread_headers(str(row.id), number, self._settings, self._signer)
        portal = self._settings.public.portal_public_url.rstrip("/")
        context: dict[str, Any] = {
            **row.context,
            "site_url": self._settings.public.site_url,
            "portal_url": portal,
            **self._links(row.recipient),
        }
        if number:
            # The customer's request page on the portal (the receipt adds the key to it).
            context["request_url"] = f"{portal}/requests/{quote(str(number), safe='')}"
        if row.template == RESOLVED_TEMPLATE and row.ticket_id is not None:
            context["rating_links"] = self._rating_links(row.ticket_id)
        seed, key_id = context.pop("access_seed", None), context.pop("access_key_id", None)
        if seed and key_id:
            # Made only now, in memory, for the mail; a key rotated out since leaves no link.
            context["access_token"] = remade_customer_key(self._signer, key_id, seed)
        links = context.pop(ACCESS_LINKS, None)
        if links:
            context["requests"] = self._request_links(links)
        grant = context.pop("sign_in", None)
        if grant:
            context["sign_in_url"] = signin.link(
                self._signer, self._settings.public.console_public_url, signin.grant_of(grant)
            )
        subject, text, html = render(row.template, row.language, context)
        message = build_email(
            sender=self._settings.public.mail_from,
            recipient=row.recipient,
            number=number,
            subject=subject,
            text=text,
            html=html,
            message_id=mid,
            language=row.language,
            reply_to=reply_to,
            automatic=row.template not in PERSONAL_TEMPLATES,
        )
        for item in row.context.get("attachments") or []:
            maintype, _, subtype = str(item["content_type"]).partition("/")
            message.add_attachment(
                await self._attachment(row.context["ticket_id"], item["id"]),
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=item["filename"],
            )
        await self._mailer.send(message)
        return mid

    async def _attachment(self, ticket_id: str, attachment_id: str) -> bytes:
        """A file's bytes from intake, as staff read them (a token of the notifier's own, for
        this request); a failure fails the delivery, which is tried again later."""
        token = self._signer.issue(NOTIFIER_PRINCIPAL, Role.agent)
        response = await self.intake.get(
            attachment_path(ticket_id, attachment_id),
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        return response.content

    def _links(self, recipient: str) -> dict[str, str]:
        """The beta programme's opt-in and opt-out links, for any mail (clause 28)."""
        token = self._signer.sign_value(BETA_LINK_PURPOSE, recipient)
        # The portal's pages, whose button POSTs (the notifier's own /v1/beta/... stay).
        base = self._settings.public.portal_public_url.rstrip("/") + "/beta"
        return {
            "beta_opt_in_url": f"{base}/opt-in?token={token}",
            "beta_opt_out_url": f"{base}/opt-out?token={token}",
        }

    def _request_links(self, links: list[dict[str, str]]) -> list[dict[str, str]]:
        """Each request's page on the portal with its new key, remade only now, in memory; a
        key rotated out since leaves that request out."""
        portal = self._settings.public.portal_public_url.rstrip("/")
        made = []
        for link in links:
            key = remade_customer_key(self._signer, link["access_key_id"], link["access_seed"])
            if key:
                number = quote(link["number"], safe="")
                url = f"{portal}/requests/{number}?{urlencode({'key': key})}"
                made.append({"number": link["number"], "subject": link["subject"], "url": url})
        return made

    def _rating_links(self, ticket_id: uuid.UUID) -> list[tuple[int, str]]:
        """One link per score, each opening intake's rating page with that score chosen: a
        signed ticket id, not the customer's key, so the link lets one rate and nothing else."""
        token = self._signer.sign_value(RATING_LINK_PURPOSE, str(ticket_id))
        page = self._settings.public.portal_public_url.rstrip("/") + portal_rating_path(ticket_id)
        return [
            (score, f"{page}?{urlencode({'score': score, 'token': token})}") for score in SCORES
        ]

    async def _post_webhook(self, row: DeliveryRecord, subscription: WebhookRecord | None) -> str:
        if subscription is None:
            raise WebhookRefusedError("the subscription was removed")
        body = json.dumps(row.context, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/cloudevents+json",
            webhooks.EVENT_HEADER: row.event_type,
            webhooks.DELIVERY_HEADER: str(row.id),
            webhooks.TIMESTAMP_HEADER: str(timestamp),
            webhooks.SIGNATURE_HEADER: webhooks.sign(subscription.secret, timestamp, body),
        }
        # Streamed and closed unread: the status is all we need, whatever the body's size.
        async with self._http.stream(
            "POST", subscription.url, content=body, headers=headers
        ) as response:
            if not response.is_success:
                raise WebhookRefusedError(f"HTTP {response.status_code}")
            return str(response.status_code)
