"""Ops gauges (clause 22): open tickets, tickets due within the next business hour, breaches
so far today, and how long the oldest unclaimed ticket has waited, in business minutes.

Each replica refreshes them from the shared clock rows every few seconds, through partial
indexes, so every replica shows the same values (aggregate them with ``max``) and a scrape
only reads the gauges, however many tickets there are.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from prometheus_client import CollectorRegistry, Gauge

from services.sla import repository
from shared.contracts.events import SlaTarget
from shared.db import Database
from shared.policy.book import PolicyBook
from shared.wakeup import cancelled

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 15.0
BUSINESS_HOUR_MINUTES = 60


class SlaGauges:
    def __init__(self, db: Database, book: PolicyBook, registry: CollectorRegistry) -> None:
        self._db, self._book = db, book
        self.open_tickets = Gauge(
            "sviftdesk_sla_open_tickets", "Tickets not resolved or closed", registry=registry
        )
        self.due_soon = Gauge(
            "sviftdesk_sla_due_within_business_hour",
            "Tickets with a target falling due within the next business hour",
            registry=registry,
        )
        self.breaches_today = Gauge(
            "sviftdesk_sla_breaches_today",
            "Targets breached since midnight on the desk's clock (Moscow)",
            ["target"],
            registry=registry,
        )
        self.oldest_unclaimed = Gauge(
            "sviftdesk_sla_oldest_unclaimed_business_minutes",
            "Business minutes the oldest ticket nobody has taken yet has waited (0: none)",
            registry=registry,
        )

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:
                if cancelled():
                    raise
                log.exception("sla.gauges_failed")
            await asyncio.sleep(REFRESH_SECONDS)

    async def refresh(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        book = self._book
        horizons = {
            policy.version: book.calendar(policy.version).add(now, BUSINESS_HOUR_MINUTES)
            for policy in book.policies
        }
        local = now.astimezone(book.at(now).tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self._db.sessions() as session:
            open_tickets = await repository.count_open(session)
            due_soon = await repository.count_due_within(session, now, horizons)
            breaches = await repository.count_breaches_since(session, midnight)
            oldest = await repository.oldest_unclaimed(session)
        self.open_tickets.set(open_tickets)
        self.due_soon.set(due_soon)
        for target in SlaTarget:
            self.breaches_today.labels(target.value).set(breaches.get(target, 0))
        waited = 0
        if oldest is not None:
            received_at, version = oldest
            waited = max(book.calendar(version).between(received_at, now), 0)
        self.oldest_unclaimed.set(waited)
