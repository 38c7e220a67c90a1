"""How a service is served: uvicorn, with a bound on request headers (431 past it), and
long-lived responses told to end when the server stops.

uvicorn's httptools parser takes headers of any size, buffering them whole, so one client
sending megabytes of headers would cost memory on every connection it opens; h11's bound
answers a bare 400. Here the headers of each request are counted as they arrive.
"""

from __future__ import annotations

import gc
import json
import socket
from collections.abc import Callable, Iterable

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.errors import PROBLEM_JSON

GC_THRESHOLD = 10_000


def tune_gc() -> None:
    """Requests allocate many short-lived objects; the default thresholds run the cyclic
    collector every few hundred of them, a large share of a busy worker's time. Objects built
    at start-up (the app, its models) are frozen out of every later collection: a full
    collection over them holds the GIL, and so every request, for a fifth of a second. Not
    much higher, though: a young-generation pass stops the loop for a time that grows with the
    threshold (measured at 600 tickets/s: 2-7 ms at 10,000, 18-25 ms at 50,000)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


class _HeadersTooLargeError(Exception):
    pass


class HeaderLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that refuses a request whose request line and headers
    pass ``max_header_bytes`` with 431, and closes the connection."""

    max_header_bytes = 16 * 1024
    _in_headers = True
    _received = 0  # bytes since the request began, while its headers are not all in
    _header_bytes = 0  # of the request line and the headers parsed so far
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_headers:
            self._received += len(data)
        super().data_received(data)
        # The parser holds a header it has not seen the end of, however long: bound the bytes.
        if self._in_headers and self._received > self.max_header_bytes:
            self._refuse()

    def on_message_begin(self) -> None:
        self._in_headers = True
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers, self._received, self._header_bytes = False, 0, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_headers = True

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers a callback's exception as a bad request; ours is this one.
        if self._header_bytes > self.max_header_bytes:
            self._refuse()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            raise _HeadersTooLargeError()

    def _refuse(self) -> None:
        if self._refused:
            return
        self._refused = True
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"The request's headers are over the limit of {self.max_header_bytes} "
                "bytes.",
            }
        ).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            f"content-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()


def server_config(app: FastAPI, *, host: str, port: int, max_header_bytes: int) -> uvicorn.Config:
    """What ``sviftdesk run`` and ``serve`` give uvicorn for one service."""
    protocol = type(
        "HeaderLimitedProtocol", (HeaderLimitedProtocol,), {"max_header_bytes": max_header_bytes}
    )
    return uvicorn.Config(
        app, host=host, port=port, http=protocol, log_config=None, access_log=False
    )


class Server(uvicorn.Server):
    """uvicorn waits for every response in flight before it shuts the app down, and a live
    stream (the console's /events) would never end by itself: the app's ``state.on_drain``
    hooks are called first, so that such responses end as the server stops."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        state = getattr(self.config.app, "state", None)
        hooks: Iterable[Callable[[], None]] = getattr(state, "on_drain", ())
        for hook in hooks:
            hook()
        await super().shutdown(sockets)
