"""`sviftdesk run` as ops meet it: ports of their choosing, a port in use said in one line, and
a Ctrl-C that stops the process even while the broker hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.cli import _bind
from shared.settings import SERVICES

SVIFTDESK = str(Path(sys.executable).parent / "sviftdesk")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [int(sock.getsockname()[1]) for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def port_options(ports: list[int]) -> list[str]:
    return [f"--port={name}={port}" for name, port in zip(SERVICES, ports, strict=True)]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVIFTDESK_")}
    return env | {"SVIFTDESK_VAR_DIR": str(tmp_path / "var")} | extra


@pytest.fixture
def hung_broker() -> Iterator[int]:
    """A 'RabbitMQ' that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    done.set()
    thread.join(timeout=5)
    for sock in [*accepted, server]:
        sock.close()


def wait_ready(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "sviftdesk run exited early"
        assert time.monotonic() < deadline, "intake did not answer"
        time.sleep(0.2)


@pytest.mark.slow
def test_run_stops_on_a_signal_while_the_broker_hangs(tmp_path: Path, hung_broker: int) -> None:
    ports = free_ports(len(SERVICES))
    env = environment(
        tmp_path,
        SVIFTDESK_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{hung_broker}/",
        SVIFTDESK_SECRET_KEY="k9Vd2QxL7pT4wZ8rB3nF6hJ1mC5sY0aE",
    )
    process = subprocess.Popen(
        [SVIFTDESK, "run", "--smtp-port=0", *port_options(ports)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(ports[0], process)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert time.monotonic() - started < 20, "stopping took longer than its grace period"
    assert b"stopping" in output


@pytest.mark.slow
def test_a_port_in_use_is_one_line_naming_it(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = int(taken.getsockname()[1])
    try:
        others = free_ports(len(SERVICES) - 1)
        result = subprocess.run(
            [SVIFTDESK, "run", "--smtp-port=0", *port_options([port, *others])],
            env=environment(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
        )
    finally:
        taken.close()
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert f"intake cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port" in lines[0]


def test_a_bad_port_option_names_the_option(tmp_path: Path) -> None:
    result = subprocess.run(
        [SVIFTDESK, "run", "--port=fax=9000"],
        env=environment(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"--port" in result.stderr and b"SERVICE=PORT" in result.stderr


async def test_answers_on_a_kept_alive_connection_are_not_held_back() -> None:
    """The sockets `sviftdesk run` binds hand out connections with Nagle off: with it on, an
    answer written in two pieces (uvicorn writes the headers, then the body) waited 40 ms for
    the client's delayed ACK on every kept-alive call, and a console page makes several."""
    listening = _bind("127.0.0.1", 0, "test")
    nodelay: asyncio.Queue[int] = asyncio.Queue()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = writer.get_extra_info("socket")
        nodelay.put_nowait(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connection, sock=listening)
    async with server:
        _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        assert await asyncio.wait_for(nodelay.get(), timeout=5)
        writer.close()
