"""Benchmark POST /v1/tickets under load from a separate process on loopback (one uvicorn
worker each), beside two references measured the same way in the same run: a bare FastAPI
endpoint taking the same body and storing nothing (the ceiling), and a plain FastAPI +
SQLAlchemy ORM insert of one row (what a newcomer would write). Intake runs on PostgreSQL
with its outbox and RabbitMQ: every ticket is durably committed with its event.

    python bench/bench_intake.py [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench.scratch import create_database, drop_database
from shared.bus.topology import Topology
from tests.conftest import delete_topology

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AMQP = os.environ.get("SVIFTDESK_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


CEILING = "ceiling: bare FastAPI, stores nothing"
NEWCOMER = "newcomer: FastAPI + SQLAlchemy ORM insert"
INTAKE = "intake: PostgreSQL + outbox, top rate"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    command: list[str], env: dict[str, str], port: int, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``log``: where its output goes (a benchmark shows it when a request fails)."""
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), 0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy and in all so far (Linux), summed over
    its cores; zeros where /proc is not there."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = ticks[3] + ticks[4]  # idle, iowait
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hertz, sum(ticks) / hertz


def load(url: str, seconds: float, rate: float = 0, server: int = 0) -> dict[str, float]:
    """Load figures, with the server's CPU time per request (µs) when its pid is given, and
    the whole machine's: the database, the broker and the load generator share its cores."""
    before, (busy_before, all_before) = cpu_seconds(server), machine_busy()
    output = subprocess.run(
        [
            sys.executable,
            str(HERE / "load.py"),
            url,
            "--seconds",
            str(seconds),
            "--rate",
            str(rate),
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    figures: dict[str, float] = json.loads(output)
    figures["cpu_us"] = (cpu_seconds(server) - before) / figures["requests"] * 1e6
    busy_after, all_after = machine_busy()
    figures["machine_us"] = (busy_after - busy_before) / figures["requests"] * 1e6
    figures["machine_share"] = (busy_after - busy_before) / max(all_after - all_before, 1e-9)
    return figures


def show(label: str, figures: dict[str, float]) -> None:
    print(
        f"{label:<46} {figures['rate']:8.0f}/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  errors {int(figures['errors'])}  "
        f"server CPU {figures['cpu_us']:4.0f} µs/request\n{'':46} whole machine "
        f"{figures['machine_us']:5.0f} µs of CPU/request, {figures['machine_share']:.0%} of "
        f"its {os.cpu_count()} cores busy"
    )


async def relay_lag(url: str) -> float:
    """Seconds until every event committed in intake's outbox is published."""
    started = time.monotonic()
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        while await connection.fetchval(
            "SELECT count(*) FROM intake.outbox WHERE published_at IS NULL"
        ):
            if time.monotonic() - started > 120:
                raise RuntimeError("the relay did not catch up within 120 s")
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    return time.monotonic() - started


def wait_for_relay(url: str) -> float:
    return asyncio.run(relay_lag(url))


def median_run(runs: list[dict[str, float]], key: str) -> dict[str, float]:
    """The run with the median ``key``: this machine's speed drifts from one run to the next."""
    return sorted(runs, key=lambda figures: figures[key])[len(runs) // 2]


def main(seconds: float, rounds: int) -> None:
    name, url = asyncio.run(create_database())
    prefix = f"sviftdesk-bench-{uuid.uuid4().hex[:8]}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SVIFTDESK_")}
    base_env["PYTHONPATH"] = str(ROOT)
    uvicorn = [sys.executable, "-m", "uvicorn", "--workers", "1", "--log-level", "warning"]
    env = base_env | {
        "SVIFTDESK_DATABASE_URL": url,
        "SVIFTDESK_AMQP_URL": AMQP,
        "SVIFTDESK_BUS_PREFIX": prefix,
        "SVIFTDESK_SECRET_KEY": secrets.token_hex(32),
        "SVIFTDESK_LOG_LEVEL": "WARNING",
        "SVIFTDESK_SMTP_LISTEN_PORT": "0",  # HTTP only: leave port 2525 to others
        # The load comes from one address and few customers: the limits still count every
        # request, but never refuse one.
        "SVIFTDESK_RATE_LIMIT_PER_CLIENT": "1000000/second",
        "SVIFTDESK_RATE_LIMIT_PER_CUSTOMER": "1000000/second",
        "SVIFTDESK_RATE_LIMIT_COMPLAINT_REVIEWS": "1000000/second",
    }
    sviftdesk = str(Path(sys.executable).parent / "sviftdesk")
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        subprocess.run([sviftdesk, "migrate", "intake"], env=env, check=True, cwd=ROOT)
        commands = {
            CEILING: ([*uvicorn, "--factory", "bench.reference_apps:ceiling"], base_env),
            NEWCOMER: (
                [*uvicorn, "--factory", "bench.reference_apps:orm"],
                base_env | {"BENCH_ORM_URL": url},
            ),
            INTAKE: ([sviftdesk, "serve", "intake"], env),
        }
        for label, (command, command_env) in commands.items():
            port = free_port()
            process = serve([*command, "--port", str(port)], command_env, port)
            servers[label] = (process, f"http://127.0.0.1:{port}/v1/tickets")
            load(servers[label][1], 2)  # warm up: connections, prepared statements, caches
        wait_for_relay(url)
        # The three take turns, round after round, so a slow spell of the machine falls on
        # all of them; each figure is the median round's. The servers wait idle meanwhile.
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in servers}
        lags = []
        for _ in range(rounds):
            for label, (process, target) in servers.items():
                runs[label].append(load(target, seconds, server=process.pid))
                if label == INTAKE:
                    # The relay publishes in the same process: the rate counts if it kept up.
                    lags.append(wait_for_relay(url))
        results = {label: median_run(found, "rate") for label, found in runs.items()}
        for label, figures in results.items():
            show(label, figures)
        top = results[INTAKE]
        print(f"  every event published within {max(lags):.1f} s after the load stopped")
        process, target = servers[INTAKE]
        halves = [
            load(target, seconds, rate=top["rate"] / 2, server=process.pid) for _ in range(rounds)
        ]
        half = median_run(halves, "p99_ms")
        show("intake at half its top rate", half)
        share = top["rate"] / results[CEILING]["rate"]
        print(
            f"intake / ceiling: {share:.2f} (goal >= 0.50: {'met' if share >= 0.5 else 'NOT met'})"
        )
        print(f"intake / newcomer's ORM insert: {top['rate'] / results[NEWCOMER]['rate']:.2f}×")
        verdict = "met" if half["p99_ms"] < 50 else "NOT met"
        print(
            f"p99 at half of intake's top rate: {half['p99_ms']:.1f} ms (goal < 50 ms: {verdict})"
        )
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
        asyncio.run(drop_database(name))
        topology = Topology(prefix=prefix)
        asyncio.run(delete_topology(topology, tuple(topology.retry_delays_ms)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.seconds, arguments.rounds)
