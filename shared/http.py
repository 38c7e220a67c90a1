"""What every service's HTTP side shares: body limit, correlation ids, metrics, health."""

from __future__ import annotations

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

CORRELATION_HEADER = "x-request-id"


class BodyLimitMiddleware:
    """Refuses a body over the limit with 413 before reading it all into memory.

    ``path_limits`` gives some paths a limit of their own (a forwarded email is larger than
    any JSON request)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app, self.default_max_bytes = app, max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.default_max_bytes)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
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

        async def guarded_send(message: Message) -> None:
            if not too_large:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
        if too_large:
            await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem(
            413,
            "Request body too large",
            f"The request body is over the limit of {max_bytes} bytes.",
        )
        await response(scope, receive, send)


class CorrelationMiddleware:
    """Takes the caller's X-Request-ID (or makes one) and binds it for logs and events."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(CORRELATION_HEADER.encode(), b"").decode("latin-1")
        # Only a sane id is carried on: it ends up in every log line and event.
        safe = given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else None
        with bind_correlation_id(safe) as correlation_id:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"].append(
                        (CORRELATION_HEADER.encode(), correlation_id.encode())
                    )
                await send(message)

            await self.app(scope, receive, send_with_id)


class HttpMetrics:
    """Request counts and latencies by route, as plain ASGI: no per-request task or buffering."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, service: str) -> None:
        self.app, self.service = app, service
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

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.latency.labels(self.service, method, route).observe(time.perf_counter() - started)
            self.requests.labels(self.service, method, route, str(status)).inc()


Check = Callable[[], Awaitable[None]]


def ops_router(registry: CollectorRegistry, checks: dict[str, Check]) -> APIRouter:
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

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def install_http_basics(
    app: FastAPI,
    *,
    service: str,
    max_request_bytes: int,
    path_limits: Mapping[str, int] | None = None,
) -> None:
    app.add_middleware(HttpMetrics, registry=app.state.registry, service=service)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_request_bytes, path_limits=path_limits)
    app.add_middleware(CorrelationMiddleware)
