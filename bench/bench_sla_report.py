"""Benchmark a month's SLA report (clause 22) with 1,000,000 ticket clocks in PostgreSQL.

The report aggregates in SQL (percentile_cont included), so one row per group leaves the
database. Two baselines, measured in the same run on the same month: a bare ``count(*)`` of the
month's tickets (the floor), and the naive report that fetches every ticket's row into Python
and aggregates there (what the SQLite path does). Also times one refresh of the ops gauges.

    python bench/bench_sla_report.py [--tickets 1000000] [--months 12]

Uses SVIFTDESK_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres) to create a
database of its own, and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import create_database, drop_database
from services.cli import migrate_services
from services.sla import repository
from services.sla.domain.report import GroupBy, aggregate
from services.sla.gauges import SlaGauges
from shared.db import Database
from shared.policy.book import load_book
from shared.settings import Settings

GOAL_MS = 1000.0
MONTH = (datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC))
CHANNELS = ("web", "web", "web", "email", "email", "partner", "api")
CATEGORIES = ("question", "bug", "complaint", "feedback", "onboarding", "other", None)
COMPLEXITIES = ("simple", "standard", "complex", None)
COLUMNS = (
    "ticket_id", "number", "policy_version", "received_at", "clock_starts_at", "channel",
    "category", "complexity", "status", "status_changed_at", "status_history",
    "fr_budget", "fr_used", "fr_met_at", "fr_breached_at", "fr_due_at",
    "res_budget", "res_used", "res_met_at", "res_breached_at", "res_due_at",
    "extension_minutes",
)  # fmt: skip


def clocks(
    count: int, first: datetime, days: float, version: str, now: datetime
) -> Iterator[tuple[Any, ...]]:
    """Tickets spread evenly over ``days`` from ``first``: most closed, some still open."""
    rand = random.Random(22)
    step = days * 86400 / count
    for n in range(count):
        received = first + timedelta(seconds=n * step)
        fr_used, res_used = rand.randint(5, 1800), rand.randint(30, 2200)
        res_budget = 540 * rand.choice((1, 2, 3))
        status = rand.choices(("closed", "resolved", "in_progress", "received"), (90, 5, 4, 1))[0]
        done = status in ("closed", "resolved")
        met = received + timedelta(minutes=fr_used * 2)
        fr_met = met if done or rand.random() < 0.7 else None
        res_met = received + timedelta(minutes=res_used * 2) if done else None
        yield (
            uuid.uuid4(), f"SC-{n:07d}", version, received, received,
            CHANNELS[n % len(CHANNELS)], rand.choice(CATEGORIES), rand.choice(COMPLEXITIES),
            status, received, "[]",
            1440, fr_used, fr_met, met if fr_used > 1440 else None,
            None if fr_met else now + timedelta(minutes=rand.randint(-600, 6000)),
            res_budget, res_used, res_met, met if res_used > res_budget else None,
            None if res_met else now + timedelta(minutes=rand.randint(-600, 9000)),
            0,
        )  # fmt: skip


async def timed(action: Callable[[], Awaitable[Any]], runs: int = 3) -> tuple[float, Any]:
    """The best of a few runs, in ms, and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = await action()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best, result


async def main(tickets: int, months: int) -> None:
    name, url = await create_database()
    try:
        settings = Settings(database_url=url)
        await migrate_services(settings, ("sla",))
        book = load_book(settings)
        policy = book.at(datetime.now(UTC))
        raw = await asyncpg.connect(url.replace("+asyncpg", ""))
        started = time.perf_counter()
        # Spread evenly over the months up to the end of the one measured.
        first = MONTH[1] - timedelta(days=30 * months)
        rows = clocks(tickets, first, 30.0 * months, policy.version, datetime.now(UTC))
        await raw.copy_records_to_table("clock", schema_name="sla", columns=COLUMNS, records=rows)
        # Escalations of 2% of the tickets, extensions of 1%.
        await raw.execute(
            """INSERT INTO sla.review (escalation_id, ticket_id, number, policy_version,
                   opened_at, budget, due_at)
               SELECT gen_random_uuid(), ticket_id, number, policy_version, received_at, 540,
                   received_at FROM sla.clock TABLESAMPLE BERNOULLI (2) REPEATABLE (1)"""
        )
        await raw.execute(
            """INSERT INTO sla.extension (id, ticket_id, business_days, reason, agent_id)
               SELECT gen_random_uuid(), ticket_id, 1, 'bench', gen_random_uuid()
               FROM sla.clock TABLESAMPLE BERNOULLI (1) REPEATABLE (2)"""
        )
        await raw.execute("VACUUM ANALYZE sla.clock")
        await raw.execute("ANALYZE sla.review")
        await raw.execute("ANALYZE sla.extension")
        print(f"loaded {tickets:,} ticket clocks in {time.perf_counter() - started:.1f} s")

        start, end = MONTH
        count_ms, month_count = await timed(
            lambda: raw.fetchval(
                "SELECT count(*) FROM sla.clock WHERE received_at >= $1 AND received_at < $2",
                start,
                end,
            )
        )
        await raw.close()
        print(f"a month: {start:%Y-%m-%d} to {end:%Y-%m-%d}, {month_count:,} tickets; goal < 1 s")
        print(f"baseline: SELECT count(*) of the month: {count_ms:8.1f} ms")

        db = Database.connect(url, "sla")
        zones = book.zones()

        async def naive(group_by: GroupBy | None) -> Any:
            async with db.sessions() as session:
                facts = await repository.report_facts(
                    session, start, end, group_by, zones, policy.timezone
                )
            return aggregate(facts, grouped=group_by is not None)

        async def report(group_by: GroupBy | None) -> Any:
            async with db.sessions() as session:
                return await repository.sla_report(
                    session, start, end, group_by, zones=zones, default_zone=policy.timezone
                )

        for group_by in (None, *GroupBy):
            label = group_by.value if group_by else "overall"
            naive_ms, expected = await timed(lambda g=group_by: naive(g), runs=1)
            report_ms, groups = await timed(lambda g=group_by: report(g))
            same = "same figures" if groups == expected else "FIGURES DIFFER"
            verdict = "meets" if report_ms < GOAL_MS else "MISSES"
            print(
                f"report by {label:<10} {len(groups):>3} rows: {report_ms:8.1f} ms "
                f"({verdict} the goal; {report_ms / count_ms:5.1f}× the count) — "
                f"naive fetch-all: {naive_ms:8.1f} ms ({same})"
            )

        gauges = SlaGauges(db, book, CollectorRegistry())
        refresh_ms, _ = await timed(gauges.refresh)
        print(
            f"ops gauges refresh over {tickets:,} clocks: {refresh_ms:8.1f} ms "
            f"(open {gauges.open_tickets._value.get():,.0f}, "
            f"due within a business hour {gauges.due_soon._value.get():,.0f})"
        )
        await db.dispose()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--months", type=int, default=12, help="spread over this many 30-day months (1: all in one)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.months))
