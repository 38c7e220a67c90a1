"""A load generator, run as its own process: POSTs tickets to a URL over keep-alive HTTP/1.1
connections and prints JSON figures. Raw asyncio streams, so the client is not the bottleneck
the way a general-purpose HTTP client would be.

    python bench/load.py URL [--seconds 10] [--concurrency 32] [--rate 0]

With --rate 0 it sends as fast as the server answers (closed loop, ``concurrency`` in flight);
with a rate it sends on a fixed schedule (open loop) and measures latency at that rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import urlsplit


def request(host: str, path: str, n: int) -> bytes:
    body = json.dumps(
        {
            "channel": "web",
            "customer": {"email": f"load{n}@example.com", "name": "Нагрузка", "language": "ru"},
            "subject": "Не проходит оплата",
            "body": "При оплате картой страница зависает.",
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, payload: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(payload)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


async def run(url: str, seconds: float, concurrency: int, rate: float) -> dict[str, float]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    latencies: list[float] = []
    errors = 0
    counter = 0
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(concurrency):
        pool.put_nowait(Connection(host, port))
    started = time.perf_counter()
    deadline = started + seconds

    async def one() -> None:
        nonlocal counter, errors
        counter += 1
        payload = request(host, path, counter)
        connection = await pool.get()
        begin = time.perf_counter()
        try:
            if await connection.post(payload) != 201:
                errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
            connection.writer = connection.reader = None
        latencies.append((time.perf_counter() - begin) * 1000)
        pool.put_nowait(connection)

    if rate <= 0:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                await one()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        tasks = []
        n = 0
        while (now := time.perf_counter()) < deadline:
            due = started + n / rate
            if due > now:
                await asyncio.sleep(due - now)
            tasks.append(asyncio.create_task(one()))
            n += 1
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "rate": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.seconds, args.concurrency, args.rate))))
