"""Benchmark one breach-scan tick with 1,000,000 open tickets in PostgreSQL.

The scan reads only the clocks whose next check has come, through a partial index, so its
cost follows what is due, not what is open. The baseline, measured in the same run on the same
table, is what a scan without that index would do: read every open clock.

    python bench/bench_sla_scan.py [--tickets 1000000] [--due 200]

Uses SVIFTDESK_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres) to create a
database of its own, and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import create_database, drop_database
from services.cli import migrate_services
from services.sla.clocks import SlaClocks
from services.sla.tables import outbox as outbox_table
from shared.db import Database
from shared.outbox import Outbox
from shared.policy.book import load_book
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork

COLUMNS = (
    "ticket_id", "number", "channel", "policy_version", "received_at", "clock_starts_at", "status",
    "status_changed_at", "fr_budget", "fr_used", "fr_running_since", "fr_due_at",
    "res_budget", "res_used", "res_running_since", "res_due_at", "extension_minutes",
    "next_check_at", "status_history",
)  # fmt: skip


def rows(count: int, due: int, now: datetime, version: str):  # type: ignore[no-untyped-def]
    # Open tickets that arrived in the last hours: their checks lie days ahead, but ``due`` of
    # them arrived long ago and fall due now.
    for n in range(count):
        received = now - timedelta(days=30) if n < due else now - timedelta(minutes=n % 600)
        check = now - timedelta(seconds=1) if n < due else now + timedelta(days=2, minutes=n % 900)
        yield (
            uuid.uuid4(), f"SC-{n:07d}", "web", version, received, received, "open", received,
            1440, 0, received, check, 1620, 0, received, check, 0, check, "[]",
        )  # fmt: skip


async def main(tickets: int, due: int) -> None:
    name, url = await create_database()
    try:
        settings = Settings(database_url=url)
        await migrate_services(settings, ("sla",))
        book = load_book(settings)
        version = book.at(datetime.now(UTC)).version
        now = datetime.now(UTC)
        raw = await asyncpg.connect(url.replace("+asyncpg", ""))
        started = time.perf_counter()
        await raw.copy_records_to_table(
            "clock", schema_name="sla", columns=COLUMNS, records=rows(tickets, due, now, version)
        )
        await raw.execute("ANALYZE sla.clock")
        print(f"loaded {tickets:,} open tickets in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        everything = await raw.fetch("SELECT * FROM sla.clock WHERE res_met_at IS NULL")
        baseline_ms = (time.perf_counter() - started) * 1000
        await raw.close()

        db = Database.connect(url, "sla")
        clocks = SlaClocks(book)
        print(f"baseline: read every open clock ({len(everything):,}): {baseline_ms:8.1f} ms")
        for label in ("with alerts due", "idle (nothing due)"):
            started = time.perf_counter()
            async with db.transaction() as session:
                uow = UnitOfWork(session, Outbox(outbox_table), "/sviftdesk/sla")
                checked = await clocks.scan(uow, datetime.now(UTC), lock=True)
            tick_ms = (time.perf_counter() - started) * 1000
            print(
                f"scan tick {label}: {checked} due of {tickets:,} open: {tick_ms:8.1f} ms "
                f"({tick_ms / baseline_ms:.4f}× the baseline)"
            )
        await db.dispose()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.due))
