"""One partner can never hold up the customers' mail (issue 14): mail and each endpoint are
separate lanes with a few deliveries in flight, every delivery has a total deadline, an
endpoint that keeps failing is paused, and a partner may subscribe only so many times."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from shared.auth import Role
from shared.settings import Settings
from tests.notifier.test_webhooks import _auth, _created, _publish, _subscribe
from tests.support import LoopbackReceiver, System, eventually, ticket_body

# Latency is measured here: run alone, after the parallel run (`make test`).
pytestmark = pytest.mark.alone

# Long enough that no tarpit is cut off while the test runs: the lanes alone must do it.
HOSTILE_DEADLINE_SECONDS = 60.0


def tarpit() -> LoopbackReceiver:
    """A partner's endpoint that takes the request and then never answers."""
    return LoopbackReceiver(delay=math.inf)


def trickle() -> LoopbackReceiver:
    """A partner's endpoint that answers one byte a second."""
    return LoopbackReceiver(drip=1.0)


@pytest.fixture
def webhook_timeout() -> float:
    return HOSTILE_DEADLINE_SECONDS


@pytest.fixture
def settings(settings: Settings, webhook_timeout: float) -> Settings:
    return settings.model_copy(update={"webhook_timeout_seconds": webhook_timeout})


async def test_slow_partners_hold_up_neither_the_customers_mail_nor_another_partner(
    system: System, receiver: LoopbackReceiver
) -> None:
    async with tarpit() as tarpitting, trickle() as trickling:
        slow, dripping, good = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for number in range(10):
            await _subscribe(system, slow, tarpitting.url_for(f"hook/{number}"), ["*"])
            await _subscribe(system, dripping, trickling.url_for(f"hook/{number}"), ["*"])
        await _subscribe(system, good, receiver.url, ["ticket.created"])
        for _ in range(3):  # a backlog on every hostile endpoint
            await _publish(system, _created(slow, consent=False))
            await _publish(system, _created(dripping, consent=False))

        async def engaged() -> int:
            return len(tarpitting.requests) + len(trickling.requests)

        # Every hostile endpoint holds the sender's deliveries to it.
        await eventually(engaged, lambda count: count >= 20, timeout=20)

        started = time.monotonic()
        response = await system.intake.post("/v1/tickets", json=ticket_body("late@example.com"))
        assert response.status_code == 201, response.text
        await _publish(system, _created(good, consent=False))

        def receipt() -> list[Any]:
            return [m for m in system.mail() if m["To"] == "late@example.com"]

        await eventually(lambda: asyncio.sleep(0, receipt()), bool, timeout=10, interval=0.02)
        assert time.monotonic() - started < 2.0
        await eventually(lambda: asyncio.sleep(0, receiver.requests), bool, timeout=10)
        # Each hostile endpoint has at most its lane's few deliveries on the way.
        assert len(tarpitting.requests) + len(trickling.requests) <= 2 * 20
        assert await _long_transactions(system) == 0


async def _long_transactions(system: System) -> int:
    """Transactions open for more than a second, while deliveries hang (PostgreSQL lists them;
    the embedded backend has no server to ask)."""
    if not system.settings.database_url:
        return 0
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND xact_start < now() - interval '1 second' AND pid <> pg_backend_pid()"
    )
    async with system.runtime("notifier").db.sessions() as session:
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize("webhook_timeout", [2.0])
@pytest.mark.parametrize("backend", ["embedded"])  # the HTTP client alone
async def test_a_trickling_endpoint_is_cut_off_at_its_deadline(system: System) -> None:
    """An answer a byte a second never trips a per-read timeout; the total deadline does."""
    async with trickle() as trickling:
        partner = uuid.uuid4()
        await _subscribe(system, partner, trickling.url_for("hook"), ["*"])
        created = _created(partner, consent=False)
        await _publish(system, created)
        agent = _auth(system, Role.agent, uuid.uuid4())

        async def log() -> list[dict[str, Any]]:
            response = await system.clients["notifier"].get(
                "/v1/deliveries", params={"ticket_id": str(created.ticket_id)}, headers=agent
            )
            return list(response.json())

        def webhook(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [d for d in found if d["channel"] == "webhook" and d["attempts"]]

        found = await eventually(log, lambda found: bool(webhook(found)))
        assert webhook(found)[0]["last_error"] == "no answer within 2 s"


async def test_an_endpoint_that_keeps_failing_is_paused(
    system: System, receiver: LoopbackReceiver
) -> None:
    receiver.answers = [500]
    partner = uuid.uuid4()
    await _subscribe(system, partner, receiver.url, ["*"])
    created = [_created(partner, consent=False) for _ in range(6)]
    for payload in created:
        await _publish(system, payload)
    agent = _auth(system, Role.agent, uuid.uuid4())

    async def log_of(ticket_id: uuid.UUID) -> list[dict[str, Any]]:
        response = await system.clients["notifier"].get(
            "/v1/deliveries", params={"ticket_id": str(ticket_id)}, headers=agent
        )
        return list(response.json())

    async def paused() -> list[dict[str, Any]]:
        logs = [await log_of(payload.ticket_id) for payload in created]
        return [d for log in logs for d in log if "paused" in (d["last_error"] or "")]

    # Without the pause, 6 deliveries × 3 tries would reach it 18 times within a second.
    notes = await eventually(paused, bool)
    assert "after 5 failures in a row" in notes[0]["last_error"]
    seen = len(receiver.requests)
    assert 5 <= seen <= 6  # the one still on its way when the fifth failed
    await asyncio.sleep(1.0)
    assert len(receiver.requests) == seen


async def test_a_partner_may_subscribe_only_so_many_times(
    system: System, receiver: LoopbackReceiver
) -> None:
    partner = uuid.uuid4()
    limit = system.settings.deliveries.webhook_max_per_partner
    assert limit == 10
    hooks = [await _subscribe(system, partner, f"{receiver.url}/{n}", ["*"]) for n in range(limit)]
    headers = _auth(system, Role.partner, partner, "webhooks")
    notifier = system.clients["notifier"]
    body = {"url": receiver.url, "events": ["*"]}
    refused = await notifier.post("/v1/webhooks", json=body, headers=headers)
    assert refused.status_code == 422 and "10 subscriptions" in refused.json()["detail"]
    assert len((await notifier.get("/v1/webhooks", headers=headers)).json()) == limit
    # Another partner is not counted against this one.
    await _subscribe(system, uuid.uuid4(), receiver.url, ["*"])
    gone = await notifier.delete(f"/v1/webhooks/{hooks[0]['id']}", headers=headers)
    assert gone.status_code == 204
    await _subscribe(system, partner, receiver.url, ["*"])
