"""Nothing is lost, nothing is doubled: broker outages, redelivery, parking and replay."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.bus.memory import InMemoryBus
from shared.contracts.envelope import CloudEvent
from shared.inbox import HandlerContext
from shared.runtime import make_topology
from shared.settings import Settings
from tests.conftest import AMQP_URL
from tests.support import FlakyBus, System, TcpProxy, eventually, ticket_body


async def _post_tickets(system: System, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        response = await system.intake.post(
            "/v1/tickets", json=ticket_body(f"customer{n}@example.com")
        )
        assert response.status_code == 201, response.text


def _recipients(system: System) -> Counter[str]:
    return Counter(str(mail["To"]) for mail in system.mail())


@pytest.mark.slow
async def test_broker_outage_delays_events_but_loses_none(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    if settings.amqp_url:
        # Every service reaches RabbitMQ through a proxy we can cut.
        proxy = TcpProxy("127.0.0.1", 5672)
        settings = settings.model_copy(
            update={"amqp_url": AMQP_URL.replace(":5672", f":{proxy.port}")}
        )
        sink = request.getfixturevalue("smtp_sink")
        async with System.start(settings, smtp_sink=sink, wait_connected=False) as system:
            await _post_tickets(system, 200)  # the broker has never been reachable
            assert system.mail() == []
            await proxy.up()
            await system.wait_for_mail(200, timeout=90)

            await proxy.down()  # and now an outage while connected
            await _post_tickets(system, 50, start=200)
            await proxy.up()
            await system.wait_for_mail(250, timeout=90)
            await asyncio.sleep(1)
            counts = _recipients(system)
            await proxy.down()
    else:
        bus = FlakyBus(InMemoryBus(make_topology(settings)))
        async with System.start(settings, bus=bus, wait_connected=False) as system:
            await _post_tickets(system, 200)
            await asyncio.sleep(0.5)
            assert system.mail() == []
            bus.available = True
            await system.wait_for_mail(200, timeout=60)
            await asyncio.sleep(0.5)
            counts = _recipients(system)
    expected = 250 if settings.amqp_url else 200
    assert len(counts) == expected
    assert set(counts.values()) == {1}, "every customer gets exactly one confirmation"


async def test_an_event_delivered_twice_sends_one_email(system: System) -> None:
    response = await system.intake.post("/v1/tickets", json=ticket_body())
    assert response.status_code == 201
    await system.wait_for_mail(1)
    intake = system.runtime("intake")
    async with intake.db.sessions() as session:
        from sqlalchemy import select

        from services.intake.tables import outbox

        envelope = (await session.execute(select(outbox.c.envelope))).scalar_one()
    event = CloudEvent.model_validate(envelope)
    await intake.bus.publish(event)  # the same event id again, as a broker redelivery would
    await intake.bus.publish(event)
    await eventually(lambda: system.count_rows("notifier", "inbox"), lambda n: n == 1)
    await asyncio.sleep(1.0)
    assert len(system.mail()) == 1
    assert await system.count_rows("notifier", "delivery") == 1


def _cli(settings: Settings, *args: str) -> str:
    env = {
        "SVIFTDESK_AMQP_URL": settings.amqp_url or "",
        "SVIFTDESK_BUS_PREFIX": settings.bus_prefix,
        # The same topology as the services under test, so nothing is declared twice over.
        "SVIFTDESK_RETRY_DELAYS_MS": ",".join(str(d) for d in settings.retry_delays_ms),
        "SVIFTDESK_SECRET_KEY": "x" * 40,
    }
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_failing_handler_parks_then_replays_once_fixed(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def broken(_ctx: HandlerContext, _event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("template store unavailable")

    handlers = system.runtime("notifier").handlers
    fixed = handlers["ticket.created"]
    monkeypatch.setitem(handlers, "ticket.created", broken)  # type: ignore[arg-type]
    response = await system.intake.post("/v1/tickets", json=ticket_body())
    event_id_probe = system.runtime("notifier").bus

    async def parked() -> list[object]:
        if system.settings.amqp_url:
            output = await asyncio.to_thread(
                _cli, system.settings, "dlq", "list", "--service", "notifier"
            )
            return [line for line in output.splitlines() if line.strip()]
        return list(await event_id_probe.parked("notifier"))

    entries = await eventually(parked, lambda found: len(found) == 1, timeout=20)
    assert "template store unavailable" in str(entries[0])
    assert calls == 1 + len(system.settings.retry_delays_ms)
    assert system.mail() == []

    monkeypatch.setitem(handlers, "ticket.created", fixed)  # type: ignore[arg-type]
    if system.settings.amqp_url:
        output = await asyncio.to_thread(
            _cli, system.settings, "dlq", "replay", "--service", "notifier"
        )
        assert "notifier: replayed 1" in output
    else:
        assert await event_id_probe.replay("notifier") == 1
    [mail] = await system.wait_for_mail(1)
    assert response.json()["number"] in str(mail["Subject"])
    assert await parked() == []
