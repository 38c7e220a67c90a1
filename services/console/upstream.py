"""The other services' public HTTP APIs, called as the signed-in agent.

Each call carries a short-lived staff token minted for the agent's own credential (the
deployment's signer), so the services authorise the agent exactly as they would a script of
theirs, and refuse them the moment the credential is revoked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.console.sessions import AgentSession
from shared.auth import TokenSigner
from shared.settings import PeerSettings

SERVICES = ("intake", "sla", "escalation", "notifier")
TIMEOUT_SECONDS = 10.0


class SessionRefusedError(Exception):
    """A service refused the agent's token: revoked, or expired with the session."""


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
        self,
        peers: PeerSettings,
        signer: TokenSigner,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        urls = {
            "intake": peers.intake_url,
            "sla": peers.sla_url,
            "escalation": peers.escalation_url,
            "notifier": peers.notifier_url,
        }
        self._signer = signer
        self._clients = {
            name: httpx.AsyncClient(
                base_url=urls[name],
                timeout=TIMEOUT_SECONDS,
                transport=(transports or {}).get(name),
            )
            for name in SERVICES
        }

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def call(
        self,
        agent: AgentSession | None,
        service: str,
        method: str,
        path: str,
        *,
        client: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The answer, if 2xx; ProblemError for a 4xx the agent can act on;
        SessionRefusedError when the agent's token is no longer honoured. ``client``: the
        browser's address, for the rate limits of anonymous calls (X-Forwarded-For)."""
        if not _plain(path):
            # An id from the page's address that no service could have issued: the browser
            # sent a control character or a dot segment ("/tickets/%2e%2e", "%00"). Said as
            # "not found" before it can reach another path of the service, or crash httpx.
            raise ProblemError(Problem(404, "Not Found"))
        headers = self._headers(agent, client)
        response = await self._clients[service].request(method, path, headers=headers, **kwargs)
        _check(agent, response)
        return response

    async def open_stream(
        self, agent: AgentSession, service: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """A GET whose body is left unread, to be passed on in chunks (a download of many
        megabytes): the caller reads it with ``aiter_bytes`` and closes it."""
        if not _plain(path):
            raise ProblemError(Problem(404, "Not Found"))
        client = self._clients[service]
        request = client.build_request("GET", path, headers=self._headers(agent, None), **kwargs)
        response = await client.send(request, stream=True)
        if response.status_code >= 400:
            try:
                await response.aread()  # a problem's few bytes, to say what went wrong
            finally:
                await response.aclose()
            _check(agent, response)
        return response

    def _headers(self, agent: AgentSession | None, client: str | None) -> dict[str, str]:
        headers = {"X-Forwarded-For": client} if client else {}
        if agent is not None:
            token = self._signer.issue(agent.credential_id, agent.role)
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def json(
        self, agent: AgentSession | None, service: str, method: str, path: str, **kwargs: Any
    ) -> Any:
        response = await self.call(agent, service, method, path, **kwargs)
        return response.json() if response.content else None


def _check(agent: AgentSession | None, response: httpx.Response) -> None:
    if response.status_code == 401 and agent is not None:
        raise SessionRefusedError(response.text)
    if response.status_code >= 400:
        raise ProblemError(problem_of(response))


def _plain(path: str) -> bool:
    """Whether a path built from ids is one the services can be asked: printable, without
    dot segments, queries or fragments (those go in ``params``)."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in path) or "?" in path or "#" in path:
        return False
    return not any(segment in (".", "..") for segment in path.split("/"))


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
