"""Benchmark POST /v1/tickets under load from a separate process on loopback (one uvicorn
worker each), beside two references measured the same way in the same run: a bare FastAPI
endpoint taking the same body and storing nothing (the ceiling), and a plain FastAPI +
SQLAlchemy ORM insert of one row (what a newcomer would write). Intake runs on PostgreSQL
with its outbox and RabbitMQ: every ticket is durably committed with its event.

    python bench/bench_intake.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def load(url: str, seconds: float, rate: float = 0) -> dict[str, float]:
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
    return figures


def show(label: str, figures: dict[str, float]) -> None:
    print(
        f"{label:<46} {figures['rate']:8.0f}/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  errors {int(figures['errors'])}"
    )


def main(seconds: float) -> None:
    name, url = asyncio.run(create_database())
    prefix = f"sviftdesk-bench-{uuid.uuid4().hex[:8]}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SVIFTDESK_")}
    base_env["PYTHONPATH"] = str(ROOT)
    uvicorn = [sys.executable, "-m", "uvicorn", "--workers", "1", "--log-level", "warning"]
    results: dict[str, dict[str, float]] = {}
    try:
        references = [
            (CEILING, "bench.reference_apps:ceiling", {}),
            (NEWCOMER, "bench.reference_apps:orm", {"BENCH_ORM_URL": url}),
        ]
        for label, factory, extra in references:
            command = ["--factory", factory]
            port = free_port()
            process = serve([*uvicorn, *command, "--port", str(port)], base_env | extra, port)
            try:
                results[label] = load(f"http://127.0.0.1:{port}/v1/tickets", seconds)
            finally:
                process.terminate()
                process.wait()
            show(label, results[label])
        env = base_env | {
            "SVIFTDESK_DATABASE_URL": url,
            "SVIFTDESK_AMQP_URL": AMQP,
            "SVIFTDESK_BUS_PREFIX": prefix,
            "SVIFTDESK_SECRET_KEY": "bench-" + "k" * 40,
            "SVIFTDESK_LOG_LEVEL": "WARNING",
            "SVIFTDESK_SMTP_LISTEN_PORT": "0",  # HTTP only: leave port 2525 to others
        }
        sviftdesk = str(Path(sys.executable).parent / "sviftdesk")
        subprocess.run([sviftdesk, "migrate", "intake"], env=env, check=True, cwd=ROOT)
        port = free_port()
        process = serve([sviftdesk, "serve", "intake", "--port", str(port)], env, port)
        try:
            target = f"http://127.0.0.1:{port}/v1/tickets"
            top = load(target, seconds)
            show("intake: PostgreSQL + outbox, top rate", top)
            half = load(target, seconds, rate=top["rate"] / 2)
            show("intake at half its top rate", half)
        finally:
            process.terminate()
            process.wait()
        ceiling = results["ceiling: bare FastAPI, stores nothing"]["rate"]
        newcomer = results["newcomer: FastAPI + SQLAlchemy ORM insert"]["rate"]
        share = top["rate"] / ceiling
        print(
            f"intake / ceiling: {share:.2f} (goal >= 0.50: {'met' if share >= 0.5 else 'NOT met'})"
        )
        print(f"intake / newcomer's ORM insert: {top['rate'] / newcomer:.2f}×")
        verdict = "met" if half["p99_ms"] < 50 else "NOT met"
        print(
            f"p99 at half of intake's top rate: {half['p99_ms']:.1f} ms (goal < 50 ms: {verdict})"
        )
    finally:
        asyncio.run(drop_database(name))
        topology = Topology(prefix=prefix)
        asyncio.run(delete_topology(topology, tuple(topology.retry_delays_ms)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    main(parser.parse_args().seconds)
