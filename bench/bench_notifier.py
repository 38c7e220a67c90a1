"""Benchmark: from ticket.created published to the receipt accepted by an SMTP sink, through
RabbitMQ and PostgreSQL, at a steady rate. Prints p50/p99 beside the baseline measured in the
same run: the same sink taking the same mail straight from aiosmtplib (the floor).

    python bench/bench_notifier.py [--rate 100] [--seconds 60]

Uses SVIFTDESK_BENCH_PG and SVIFTDESK_BENCH_AMQP (defaults: the local servers); creates a
database and exchange/queue names of its own and removes them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import create_database, drop_database
from services.cli import migrate_services
from shared.bus.rabbit import RabbitBus
from shared.contracts.events import (
    Channel,
    CustomerRef,
    Language,
    TicketCreated,
    TicketStatus,
)
from shared.logging import configure_logging
from shared.runtime import make_topology
from shared.settings import Settings
from tests.conftest import free_port
from tests.support import System, eventually

AMQP = os.environ.get("SVIFTDESK_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, latencies_ms: list[float]) -> tuple[float, float]:
    p50, p99 = statistics.median(latencies_ms), percentile(latencies_ms, 0.99)
    print(f"{label:<44} n={len(latencies_ms):5d}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    return p50, p99


class Sink:
    """bench/smtp_sink.py in its own process; what arrived, read from its log."""

    def __init__(self, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "smtp_sink.py"), str(self.port), str(log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received_at(self) -> dict[str, float]:
        if not self.log.exists():
            return {}
        lines = self.log.read_text().splitlines()
        return {recipient: float(at) for recipient, at in (line.split() for line in lines)}

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


async def baseline(sink: Sink, count: int) -> list[float]:
    latencies = []
    for n in range(count):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@b.c", f"floor{n}@example.com", "x"
        message.set_content("receipt")
        started = time.monotonic()
        await aiosmtplib.send(
            message, hostname="127.0.0.1", port=sink.port, local_hostname="bench.test"
        )
        latencies.append((time.monotonic() - started) * 1000)
    return latencies


async def main(rate: int, seconds: int) -> None:
    configure_logging("WARNING", json=True)
    name, url = await create_database()
    sink = Sink(Path(tempfile.mkdtemp()) / "received.log")
    settings = Settings(
        database_url=url,
        amqp_url=AMQP,
        smtp_url=sink.url,
        bus_prefix=f"sviftdesk-bench-{uuid.uuid4().hex[:8]}",
        secret_key=secrets.token_hex(32),
        log_level="WARNING",
    )
    try:
        await migrate_services(settings, ("notifier",))
        floor = await baseline(sink, 300)
        publisher = RabbitBus(AMQP, make_topology(settings))
        await publisher.start()
        await publisher.wait_connected()
        sent_at: dict[str, float] = {}
        async with System.start(settings, services=("notifier",)):
            total = rate * seconds
            started = time.perf_counter()
            for n in range(total):
                ticket = TicketCreated(
                    ticket_id=uuid.uuid4(),
                    number=f"SC-{n:06d}",
                    channel=Channel.web,
                    category=None,
                    subject="bench",
                    status=TicketStatus.received,
                    received_at=datetime.now(UTC),
                    customer=CustomerRef(
                        id=uuid.uuid4(),
                        email=f"c{n}@example.com",
                        name="B",
                        language=Language.ru,
                        is_new=False,
                    ),
                )
                sent_at[f"c{n}@example.com"] = time.monotonic()
                await publisher.publish(ticket.to_event(source="/bench"))
                delay = started + (n + 1) / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await eventually(
                lambda: asyncio.sleep(0, len(set(sink.received_at()) & set(sent_at))),
                lambda n: n >= total,
                timeout=60,
            )
        await publisher.close()
        received = sink.received_at()
        latencies = [(received[k] - sent_at[k]) * 1000 for k in received if k in sent_at]
        print(f"{len(latencies)} of {total} receipts arrived ({rate}/s for {seconds} s)")
        _, floor_p99 = report("baseline: aiosmtplib straight to the sink", floor)
        _, p99 = report("ticket.created -> receipt through RabbitMQ", latencies)
        verdict = "met" if p99 < 250 else "NOT met"
        print(f"p99 ratio to the baseline: {p99 / floor_p99:.1f}×; goal p99 < 250 ms: {verdict}")
    finally:
        sink.stop()
        await drop_database(name)
        from tests.conftest import delete_topology

        await delete_topology(make_topology(settings), settings.bus.retry_delays_ms)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds))
