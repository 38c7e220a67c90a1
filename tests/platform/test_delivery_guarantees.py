"""Nothing is lost, nothing is doubled: broker outages, redelivery, parking and replay."""

from __future__ import annotations

import asyncio
from collections import Counter

import aio_pika
import pytest
from click.testing import CliRunner
from structlog.testing import capture_logs

from services.cli import main
from shared.bus.rabbit import RabbitBus
from shared.bus.topology import Topology
from shared.contracts.envelope import CloudEvent
from shared.inbox import HandlerContext
from shared.runtime import make_bus
from shared.settings import Settings
from tests.conftest import AMQP_URL, TEST_RETRY_DELAYS_MS
from tests.support import TEST_SECRET_KEY, FlakyBus, System, TcpProxy, eventually, ticket_body


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
        bus = FlakyBus(make_bus(settings))
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


async def test_events_the_broker_refused_in_a_batch_are_published_later(
    settings: Settings,
) -> None:
    """The relay publishes a batch at once; the events the broker refused stay in the outbox
    and go out in a later round, while the rest of the batch is not sent twice."""
    if settings.amqp_url:
        pytest.skip("the refusals are played by the embedded bus")
    bus = FlakyBus(make_bus(settings), refuse_every=3)
    async with System.start(settings, bus=bus, wait_connected=False) as system:
        await _post_tickets(system, 30)
        bus.available = True
        await system.wait_for_mail(30, timeout=60)
        await asyncio.sleep(0.5)
        counts = _recipients(system)
    assert bus.attempts > 30, "some publishes were refused and tried again"
    assert len(counts) == 30
    assert set(counts.values()) == {1}


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
        "SVIFTDESK_AMQP_URL": settings.amqp_url,  # None: unset, the embedded bus
        "SVIFTDESK_VAR_DIR": str(settings.var_dir),  # where the embedded bus keeps its file
        "SVIFTDESK_BUS_PREFIX": settings.bus.bus_prefix,
        # The same topology as the services under test, so nothing is declared twice over.
        "SVIFTDESK_RETRY_DELAYS_MS": ",".join(str(d) for d in settings.bus.retry_delays_ms),
        "SVIFTDESK_SECRET_KEY": TEST_SECRET_KEY,
    }
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout  # what the command prints; its logs go to stderr


async def _dlq(settings: Settings, *args: str) -> list[str]:
    output = await asyncio.to_thread(_cli, settings, "dlq", *args, "--service", "notifier")
    return [line for line in output.splitlines() if line.strip()]


async def test_parked_events_outlast_a_restart_and_replay_from_the_command_line(
    settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    calls = 0

    async def broken(_ctx: HandlerContext, _event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("template store unavailable")

    async with System.start(settings, smtp_sink=sink) as system:
        handlers = system.runtime("notifier").handlers
        monkeypatch.setitem(handlers, "ticket.created", broken)  # type: ignore[arg-type]
        response = await system.intake.post("/v1/tickets", json=ticket_body())
        assert response.status_code == 201, response.text
        bus = system.runtime("notifier").bus
        await eventually(lambda: bus.parked("notifier"), lambda found: len(found) == 1)
    assert calls == 1 + len(settings.bus.retry_delays_ms)

    # The system is stopped: `dlq list` reads the parked event where it is kept.
    [entry] = await _dlq(settings, "list")
    assert entry.startswith("notifier\t") and "\tticket.created\t" in entry
    assert "template store unavailable" in entry

    async with System.start(settings, smtp_sink=sink) as system:  # fixed
        await asyncio.sleep(1.0)
        assert system.mail() == [], "a parked event waits for ops, restart or not"
        assert await _dlq(settings, "replay") == ["notifier: replayed 1"]
        [mail] = await system.wait_for_mail(1)
        assert response.json()["number"] in str(mail["Subject"])
        assert await _dlq(settings, "list") == []
        await asyncio.sleep(1.0)
        assert len(system.mail()) == 1


async def test_a_service_connects_once_the_broker_accepts_its_queues(amqp_prefix: str) -> None:
    """A refused declaration (here a conflicting queue; on first boot, RabbitMQ racing another
    service's declaration of the same queue) is retried, not fatal."""
    topology = Topology(prefix=amqp_prefix, retry_delays_ms=TEST_RETRY_DELAYS_MS)
    blocker = topology.parking_queue("sla")
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(blocker, durable=True)  # classic, where quorum is declared
        bus = RabbitBus(AMQP_URL, topology)
        await bus.start()
        try:
            await asyncio.sleep(1.5)
            assert not bus.connected
            await channel.queue_delete(blocker)
            await asyncio.wait_for(bus.wait_connected(), timeout=20)
            assert bus.connected
        finally:
            await bus.close()


async def test_a_burst_of_filings_beside_busy_consumers_loses_no_write(settings: Settings) -> None:
    """SQLite has one writer: filings, relays and consumers queue for it, and none fails with
    "database is locked" (a consumer's retry, a relay's or a sender's failure before)."""
    if settings.amqp_url:
        pytest.skip("SQLite's single writer is the embedded backend's")
    bus = FlakyBus(make_bus(settings))
    async with System.start(settings, bus=bus, wait_connected=False) as system:
        await _post_tickets(system, 100)  # a backlog for every consumer, released at once
        with capture_logs() as logs:
            bus.available = True
            responses = await asyncio.gather(
                *(
                    system.intake.post("/v1/tickets", json=ticket_body(f"burst{n}@example.com"))
                    for n in range(50)
                )
            )
            assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses]
            await system.wait_for_mail(150, timeout=90)
            await asyncio.sleep(0.5)
        assert len(_recipients(system)) == 150
    trouble = [entry for entry in logs if entry["log_level"] in ("warning", "error", "critical")]
    assert trouble == []
