"""The back-end services' public HTTP APIs, as a web service's pages call them: one client a
service, and what a refusal said.

The pages hold no business data: every read and change goes through these clients, as the
visitor (an agent's token, a customer's key) or anonymously, like any other client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.settings import PeerSettings

SERVICES = ("intake", "sla", "escalation", "notifier")
TIMEOUT_SECONDS = 10.0


@dataclass
class Problem:
    """What a service said was wrong: its detail, and the reason for each field it named."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    # Each field's code and bound (shared.contracts.api.FieldProblem), for pages that word
    # the reason in their reader's language.
    codes: dict[str, tuple[str, float | None]] = field(default_factory=dict)


class ProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


class ServiceClients:
    """One HTTP client for each back-end service, at the URL the settings give it.

    ``transports``: how to reach a service other than by its URL (tests hand it the apps)."""

    def __init__(
        self, peers: PeerSettings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        urls = {
            "intake": peers.intake_url,
            "sla": peers.sla_url,
            "escalation": peers.escalation_url,
            "notifier": peers.notifier_url,
        }
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
    def headers(bearer: str | None, client: str | None) -> dict[str, str]:
        """``bearer``: the visitor's token or key, if any; ``client``: the browser's address,
        so the rate limits of anonymous and customer calls count per browser
        (X-Forwarded-For)."""
        headers = {"X-Forwarded-For": client} if client else {}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return headers

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        client: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The service's answer, whatever its status (see ``raise_for_problem``)."""
        headers = self.headers(bearer, client)
        return await self._clients[service].request(method, path, headers=headers, **kwargs)


def raise_for_problem(response: httpx.Response) -> None:
    """ProblemError for a refusal (4xx, 5xx), with the service's reason."""
    if response.status_code >= 400:
        raise ProblemError(problem_of(response))


def problem_of(response: httpx.Response) -> Problem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = [error for error in body.get("errors") or [] if isinstance(error, dict)]
    fields = {str(error.get("field", "")): str(error.get("reason", "")) for error in errors}
    codes = {
        str(error.get("field", "")): (str(error["code"]), _number(error.get("limit")))
        for error in errors
        if error.get("code")
    }
    detail = str(body.get("detail") or response.reason_phrase)
    return Problem(response.status_code, detail, fields, codes)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def plain(path: str) -> bool:
    """Whether a path built from ids is one the services can be asked: printable, without
    dot segments, queries or fragments (those go in ``params``)."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in path) or "?" in path or "#" in path:
        return False
    return not any(segment in (".", "..") for segment in path.split("/"))
