"""A served service refuses oversized request headers with 431 and closes the connection,
whether they come as many headers or as one that never ends (issue 14)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from services.cli import app_factory
from shared.serving import server_config
from shared.settings import Settings
from tests.support import uvicorn_serving

pytestmark = pytest.mark.parametrize("backend", ["embedded"])  # no storage involved


@pytest.fixture
async def port(settings: Settings) -> AsyncIterator[int]:
    """The sla service served as ``sviftdesk serve`` serves it, on a free port."""
    config = server_config(
        app_factory("sla")(settings), host="127.0.0.1", port=0, max_header_bytes=4096
    )
    async with uvicorn_serving(config) as server:
        yield server.servers[0].sockets[0].getsockname()[1]


async def exchange(port: int, head: bytes, rest: bytes = b"") -> bytes:
    """Send a request, in two writes if ``rest``; everything answered until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        if rest:
            writer.write(rest)
            await writer.drain()
        async with asyncio.timeout(20):
            return await reader.read()
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


def request(*headers: bytes, body: bytes = b"") -> bytes:
    lines = [b"POST /v1/calendar/add HTTP/1.1", b"Host: sla", *headers]
    if body:
        lines += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def assert_refused(answer: bytes) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"application/problem+json" in head and b"connection: close" in head.lower()
    assert json.loads(body)["status"] == 431


async def test_many_headers_past_the_limit_are_refused(port: int) -> None:
    headers = [b"X-Filler-%d: %s" % (n, b"a" * 100) for n in range(60)]
    assert_refused(await exchange(port, request(*headers)))


async def test_one_header_that_goes_on_and_on_is_refused(port: int) -> None:
    # Sent in pieces and never finished: the server must not wait for its end.
    head = b"POST /v1/calendar/add HTTP/1.1\r\nHost: sla\r\nX-Endless: "
    assert_refused(await exchange(port, head + b"a" * 3000, b"a" * 3000))


async def test_an_ordinary_request_with_a_body_is_served(port: int) -> None:
    body = json.dumps(
        {"start": "2026-12-03T10:00:00+03:00", "minutes": 60, "padding": "x" * 20_000}
    ).encode()
    answer = await exchange(port, request(b"Connection: close", body=body))
    assert not answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
