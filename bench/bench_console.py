"""Benchmark the agent console's two busiest pages on PostgreSQL (issue 16): the queue with
100,000 tickets in the database, and a ticket page with 200 timeline entries. Goal: under
100 ms at p95 each. The baseline, measured in the same run on the same machine: a bare FastAPI
page rendering a Jinja2 table of the same size, which calls no service and reads no database.

All five services run as `sviftdesk run` does (one process, real sockets), on PostgreSQL and
RabbitMQ; the console calls intake and sla over loopback HTTP as the signed-in agent, as it
would in production. Requests are sequential: a page's latency, not the machine's throughput.

    python bench/bench_console.py [--tickets 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench.bench_intake import AMQP, free_port, serve
from bench.scratch import create_database, drop_database
from shared.bus.topology import Topology
from tests.conftest import delete_topology

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0
TIMELINE_ENTRIES = 200
PORTS = ("intake", "sla", "notifier", "escalation", "console", "portal")


def desk_env(url: str, ports: dict[str, int]) -> dict[str, str]:
    """What `sviftdesk run` gets in a page benchmark: its own database and bus names, no
    SVIFTDESK_* of the caller's shell, and rate limits out of the timings' way."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SVIFTDESK_")}
    base_env["PYTHONPATH"] = str(ROOT)
    return base_env | {
        "SVIFTDESK_DATABASE_URL": url,
        "SVIFTDESK_AMQP_URL": AMQP,
        "SVIFTDESK_BUS_PREFIX": f"sviftdesk-bench-{uuid.uuid4().hex[:8]}",
        "SVIFTDESK_SECRET_KEY": secrets.token_hex(32),
        "SVIFTDESK_LOG_LEVEL": "WARNING",
        "SVIFTDESK_CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{ports['console']}",
        "SVIFTDESK_RATE_LIMIT_PER_CLIENT": "1000000/second",
        "SVIFTDESK_RATE_LIMIT_PER_CUSTOMER": "1000000/second",
    }


def seed_sql(tickets: int) -> list[str]:
    """Customers and tickets written straight into intake's tables, with their SLA clocks in
    the sla service's: filing 100,000 through the API would take the benchmark's whole hour.
    One in twenty waits unclaimed in the queue; the rest are being worked or done."""
    customers = max(tickets // 5, 1)
    return [
        f"""INSERT INTO intake.customer (id, email, name, language, created_at)
            SELECT gen_random_uuid(), 'c' || i || '@example.com', 'Клиент ' || i, 'ru', now()
            FROM generate_series(1, {customers}) AS i""",
        f"""WITH c AS (SELECT id, row_number() OVER () AS rn FROM intake.customer)
            INSERT INTO intake.ticket (id, customer_id, customer_is_new, channel, category,
                subject, body, status, access_token_hash, received_at)
            SELECT gen_random_uuid(), c.id, i % 7 = 0,
                (ARRAY['web', 'email', 'partner', 'api'])[1 + i % 4],
                (ARRAY['question', 'bug', 'onboarding', NULL])[1 + i % 4],
                'Не проходит оплата заказа ' || i,
                'Здравствуйте! Пытаюсь оплатить заказ номер ' || i || ', но платёж отклонён.',
                CASE WHEN i % 20 = 0 THEN 'received'
                     WHEN i % 20 < 4 THEN 'in_progress'
                     WHEN i % 20 < 6 THEN 'waiting_customer'
                     ELSE 'closed' END,
                md5(i::text) || md5((i + 1)::text),
                now() - make_interval(mins => {tickets} - i)
            FROM generate_series(1, {tickets}) AS i
            JOIN c ON c.rn = 1 + i % {customers}""",
        """INSERT INTO sla.clock (ticket_id, number, policy_version, received_at,
                clock_starts_at, channel, category, status, status_changed_at, status_history,
                fr_budget, fr_used, fr_running_since, fr_due_at,
                res_budget, res_used, res_running_since, res_due_at)
            SELECT id, 'SC-' || lpad(number::text, 6, '0'), :version, received_at,
                received_at, channel, category, status, received_at,
                json_build_array(json_build_array(received_at, status)),
                1440, 0, received_at, received_at + interval '3 days',
                1620, 0, received_at, received_at + interval '5 days'
            FROM intake.ticket""",
        "ANALYZE",
    ]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def timed(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    for _ in range(20):  # warm up: connections, prepared statements, template caches
        client.get(path).raise_for_status()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return percentiles(samples)


def sign_in(sviftdesk: str, env: dict[str, str], console: str) -> httpx.Client:
    """An agent as `sviftdesk agents create` makes one, signed in by the link it prints."""
    made = subprocess.run(
        [sviftdesk, "agents", "create", "--email", "bench@sviftcommunity.ru"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    link = re.search(r"(http://\S+/sign-in/\S+)", made.stderr)
    if link is None:
        raise RuntimeError(f"no sign-in link in: {made.stderr}")
    client = httpx.Client(base_url=console, timeout=30, follow_redirects=False)
    signed_in = client.post(link.group(1).removeprefix(console))
    if signed_in.headers.get("location") != "/queue":
        raise RuntimeError(f"the sign-in link was refused: {signed_in.status_code}")
    client.token = made.stdout.strip()  # type: ignore[attr-defined]
    return client


def long_ticket(intake: str, agent_token: str, sla: str, escalation: str) -> str:
    """A ticket filed and worked through the API until its timeline holds 200 entries, with
    an extension and a forward to development besides: the page reads every service."""
    with httpx.Client(base_url=intake, timeout=30) as api:
        filed = api.post(
            "/v1/tickets",
            json={
                "channel": "web",
                "customer": {"email": "long@example.com", "name": "Анна", "language": "ru"},
                "subject": "Длинная переписка",
                "body": "Первое сообщение.",
            },
        )
        filed.raise_for_status()
        ticket = filed.json()
        customer = {"Authorization": f"Bearer {ticket['access_token']}"}
        agent = {"Authorization": f"Bearer {agent_token}"}
        for n in range(TIMELINE_ENTRIES // 2):
            api.post(
                f"/v1/tickets/{ticket['id']}/messages",
                json={"body": f"Ответ сотрудника {n}: проверяем платёж.", "internal": n % 3 == 0},
                headers=agent,
            ).raise_for_status()
            api.post(
                f"/v1/tickets/{ticket['id']}/messages",
                json={"body": f"Сообщение клиента {n}: всё ещё не работает."},
                headers=customer,
            ).raise_for_status()
        # The clock starts on intake's event: on a busy machine it may take a moment.
        clock = f"{sla}/v1/tickets/{ticket['id']}/sla"
        deadline = time.monotonic() + 60
        while httpx.get(clock, headers=agent).status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.2)
        extension = {"business_days": 1, "reason": "Нужна проверка у банка."}
        httpx.post(
            f"{sla}/v1/tickets/{ticket['id']}/sla/extension", json=extension, headers=agent
        ).raise_for_status()
        summary = {"summary": "Платёж отклоняется при верном лимите: шаги в обращении."}
        httpx.post(
            f"{escalation}/v1/tickets/{ticket['id']}/development", json=summary, headers=agent
        ).raise_for_status()
        return str(ticket["id"])


async def seed(url: str, tickets: int, version: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for statement in seed_sql(tickets):
            await connection.execute(statement.replace(":version", f"'{version}'"))
    finally:
        await connection.close()


def main(tickets: int, requests: int) -> None:
    name, url = asyncio.run(create_database())
    ports = {service: free_port() for service in PORTS}
    env = desk_env(url, ports)
    prefix = env["SVIFTDESK_BUS_PREFIX"]
    sviftdesk = str(Path(sys.executable).parent / "sviftdesk")
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning"]
    processes: list[subprocess.Popen[bytes]] = []
    log = Path(tempfile.mkdtemp()) / "sviftdesk.log"
    try:
        subprocess.run([sviftdesk, "migrate"], env=env, check=True, cwd=ROOT)
        port_options = [f"--port={service}={port}" for service, port in ports.items()]
        processes.append(
            serve(
                [sviftdesk, "run", "--no-migrate", "--smtp-port", "0", *port_options],
                env,
                ports["intake"],
                log,
            )
        )
        sla = f"http://127.0.0.1:{ports['sla']}"
        version = httpx.get(f"{sla}/v1/policy", timeout=10).json()["in_force"]
        started = time.monotonic()
        asyncio.run(seed(url, tickets, version))
        print(
            f"{tickets:,} tickets with their clocks written in {time.monotonic() - started:.0f} s"
        )
        console = sign_in(sviftdesk, env, f"http://127.0.0.1:{ports['console']}")
        ticket_id = long_ticket(
            f"http://127.0.0.1:{ports['intake']}",
            console.token,  # type: ignore[attr-defined]
            sla,
            f"http://127.0.0.1:{ports['escalation']}",
        )
        baseline_port = free_port()
        processes.append(
            serve(
                [*uvicorn, "--factory", "bench.reference_apps:page", "--port", str(baseline_port)],
                env,  # the bare page reads none of it
                baseline_port,
            )
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{baseline_port}") as bare:
            floor = timed(bare, "/page", requests)
        rows = [
            ("baseline: bare FastAPI + Jinja2 page, 50 rows", floor),
            (f"console queue, {tickets:,} tickets", timed(console, "/queue", requests)),
            (
                f"console ticket page, {TIMELINE_ENTRIES} timeline entries",
                timed(console, f"/tickets/{ticket_id}", requests),
            ),
        ]
        over = False
        for label, (p50, p95) in rows:
            ratio = p95 / floor[1]
            verdict = "" if label.startswith("baseline") else ("ok" if p95 < GOAL_MS else "OVER")
            over |= verdict == "OVER"
            print(f"{label:<48} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ×{ratio:5.1f}  {verdict}")
        print(f"goal: p95 under {GOAL_MS:.0f} ms on PostgreSQL")
        if over:
            sys.exit(1)
    except httpx.HTTPStatusError:
        print(log.read_text()[-6000:])
        raise
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        asyncio.run(drop_database(name))
        asyncio.run(delete_topology(Topology(prefix=prefix)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    arguments = parser.parse_args()
    main(arguments.tickets, arguments.requests)
