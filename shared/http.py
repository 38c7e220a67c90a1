"""What every service's HTTP side shares: body limit, correlation ids, metrics, health."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem
from shared.logging import bind_correlation_id

CORRELATION_HEADER = b"x-request-id"


class HttpBasics:
    """What every request goes through, in one pass (one wrapper of ``send``, not three):

    - the caller's X-Request-ID (or a new one) is bound for logs and events and sent back;
    - a body over the limit is refused with 413 before it is read whole into memory
      (``path_limits`` gives some paths their own: a forwarded email is larger than any JSON;
      ``upload_limit``, paths matching a pattern, for ``multipart/form-data`` uploads);
    - request counts and latencies are counted by route.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        registry: CollectorRegistry,
        service: str,
        max_bytes: int,
        path_limits: Mapping[str, int] | None = None,
        upload_limit: tuple[re.Pattern[str], int] | None = None,
    ) -> None:
        self.app, self.service = app, service
        self.default_max_bytes, self.path_limits = max_bytes, dict(path_limits or {})
        self.upload_limit = upload_limit
        self.requests = Counter(
            "sviftdesk_http_requests_total",
            "HTTP requests handled",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "sviftdesk_http_request_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        headers = dict(scope["headers"])
        given = headers.get(CORRELATION_HEADER, b"").decode("latin-1")
        # Only a sane id is carried on: it ends up in every log line and event.
        safe = given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else None
        max_bytes = self.path_limits.get(scope["path"], self.default_max_bytes)
        if self.upload_limit is not None and headers.get(b"content-type", b"").lower().startswith(
            b"multipart/form-data"
        ):
            pattern, upload_bytes = self.upload_limit
            if pattern.fullmatch(scope["path"]):
                max_bytes = upload_bytes
        declared = headers.get(b"content-length")
        received, too_large = 0, False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # Tell the app the client is gone; we answer 413 ourselves below.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        with bind_correlation_id(safe) as correlation_id:
            echoed = (CORRELATION_HEADER, correlation_id.encode())

            async def tagged_send(message: Message) -> None:
                nonlocal status
                if too_large:
                    return
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message.setdefault("headers", [])
                    message["headers"].append(echoed)
                await send(message)

            try:
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    too_large = True
                else:
                    await self.app(scope, limited_receive, tagged_send)
                if too_large:
                    too_large = False  # our own answer goes out
                    await self._refuse(scope, receive, tagged_send, max_bytes)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                method = scope["method"]
                self.latency.labels(self.service, method, route).observe(
                    time.perf_counter() - started
                )
                self.requests.labels(self.service, method, route, str(status)).inc()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem(
            413,
            "Request body too large",
            f"The request body is over the limit of {max_bytes} bytes.",
        )
        await response(scope, receive, send)


# On every answer, errors and 413s included. No page of ours is meant to be framed or sniffed,
# and no link followed from one may tell the next site where it came from (a customer's key
# can be in the address).
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
# Only where the request came over TLS (uvicorn sets the scheme from a trusted proxy's
# X-Forwarded-Proto): sent over plain HTTP, it would lock out a deployment without TLS.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = SECURITY_HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A route that set one of them (a stricter page policy) keeps its own.
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [h for h in added if h[0] not in present]
            await send(message)

        await self.app(scope, receive, secured_send)


Check = Callable[[], Awaitable[None]]


def ops_router(
    registry: CollectorRegistry, checks: dict[str, Check], *, metrics: bool = True
) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The database and the broker are reachable")
    async def readyz(response: Response) -> dict[str, object]:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {type(exc).__name__}"
        ready = all(value == "ok" for value in results.values())
        response.status_code = 200 if ready else 503
        return {"status": "ready" if ready else "not ready", "checks": results}

    if metrics:

        @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
        async def serve_metrics() -> Response:
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def install_http_basics(
    app: FastAPI,
    *,
    service: str,
    max_request_bytes: int,
    path_limits: Mapping[str, int] | None = None,
    upload_limit: tuple[re.Pattern[str], int] | None = None,
) -> None:
    app.add_middleware(
        HttpBasics,
        registry=app.state.registry,
        service=service,
        max_bytes=max_request_bytes,
        path_limits=path_limits,
        upload_limit=upload_limit,
    )


def install_security_headers(app: FastAPI) -> None:
    """Around everything, Starlette's own error middleware included, so that a 500, a 413 or
    a CORS answer carries the headers too (``add_middleware`` would put it inside)."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]
