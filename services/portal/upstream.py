"""The other services' public HTTP APIs, called for the customer: with their ticket's access
key, or anonymously. The portal holds no credential of its own."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.settings import PeerSettings

SERVICES = ("intake", "sla", "escalation", "notifier")
TIMEOUT_SECONDS = 10.0
# How long a public answer that rarely changes (sla's policy) is kept: each call is a hop
# through another service, a large share of a page's time (issue 17's benchmark).
KEPT_SECONDS = 60.0


@dataclass
class Problem:
    """What a service said was wrong: its detail, and the reason for each field it named."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)


class ProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


class Upstream:
    def __init__(
        self, peers: PeerSettings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        urls = {
            "intake": peers.intake_url,
            "sla": peers.sla_url,
            "escalation": peers.escalation_url,
            "notifier": peers.notifier_url,
        }
        self._kept: dict[tuple[str, str], tuple[float, Any]] = {}
        self._clients = {
            name: httpx.AsyncClient(
                base_url=urls[name],
                timeout=TIMEOUT_SECONDS,
                transport=(transports or {}).get(name),
            )
            for name in SERVICES
        }

    def client(self, service: str) -> httpx.AsyncClient:
        return self._clients[service]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    @staticmethod
    def headers(key: str | None, client: str | None) -> dict[str, str]:
        """The customer's key as the bearer; ``client``: the browser's address, so the rate
        limits of anonymous and customer calls count per browser (X-Forwarded-For)."""
        headers = {"X-Forwarded-For": client} if client else {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        key: str | None = None,
        client: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The answer, if 2xx; ProblemError for any 4xx (the page shows its reason)."""
        response = await self._clients[service].request(
            method, path, headers=self.headers(key, client), **kwargs
        )
        if response.status_code >= 400:
            raise ProblemError(problem_of(response))
        return response

    async def json(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.call(service, method, path, **kwargs)
        return response.json() if response.content else None

    async def kept_json(self, service: str, path: str, **kwargs: Any) -> Any:
        """A public GET's answer, asked again only after KEPT_SECONDS: for what changes
        seldom and is the same for everyone (never a customer's own data)."""
        now = time.monotonic()
        kept = self._kept.get((service, path))
        if kept is not None and now - kept[0] < KEPT_SECONDS:
            return kept[1]
        answer = await self.json(service, "GET", path, **kwargs)
        self._kept[(service, path)] = (now, answer)
        return answer


def problem_of(response: httpx.Response) -> Problem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    fields = {
        str(error.get("field", "")): str(error.get("reason", ""))
        for error in body.get("errors") or []
        if isinstance(error, dict)
    }
    return Problem(response.status_code, str(body.get("detail") or response.reason_phrase), fields)
