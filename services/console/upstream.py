"""The other services' public HTTP APIs, called as the signed-in agent.

Each call carries a short-lived staff token minted for the agent's own credential (the
deployment's signer), so the services authorise the agent exactly as they would a script of
theirs, and refuse them the moment the credential is revoked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from services.console.sessions import AgentSession
from shared.auth import TokenSigner
from shared.settings import PeerSettings
from shared.web.upstream import (
    Problem,
    ProblemError,
    ServiceClients,
    plain,
    raise_for_problem,
)

__all__ = ["Problem", "ProblemError", "SessionRefusedError", "Upstream"]


class SessionRefusedError(Exception):
    """A service refused the agent's token: revoked, or expired with the session."""


class Upstream(ServiceClients):
    def __init__(
        self,
        peers: PeerSettings,
        signer: TokenSigner,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        super().__init__(peers, transports)
        self._signer = signer

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
        _check_path(path)
        response = await self.send(
            service, method, path, bearer=self._token(agent), client=client, **kwargs
        )
        _check(agent, response)
        return response

    async def open_stream(
        self, agent: AgentSession, service: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """A GET whose body is left unread, to be passed on in chunks (a download of many
        megabytes): the caller reads it with ``aiter_bytes`` and closes it."""
        _check_path(path)
        client = self.client(service)
        headers = self.headers(self._token(agent), None)
        request = client.build_request("GET", path, headers=headers, **kwargs)
        response = await client.send(request, stream=True)
        if response.status_code >= 400:
            try:
                await response.aread()  # a problem's few bytes, to say what went wrong
            finally:
                await response.aclose()
            _check(agent, response)
        return response

    def _token(self, agent: AgentSession | None) -> str | None:
        return self._signer.issue(agent.credential_id, agent.role) if agent else None

    async def json(
        self, agent: AgentSession | None, service: str, method: str, path: str, **kwargs: Any
    ) -> Any:
        response = await self.call(agent, service, method, path, **kwargs)
        return response.json() if response.content else None


def _check_path(path: str) -> None:
    if not plain(path):
        # An id from the page's address that no service could have issued: the browser
        # sent a control character or a dot segment ("/tickets/%2e%2e", "%00"). Said as
        # "not found" before it can reach another path of the service, or crash httpx.
        raise ProblemError(Problem(404, "Not Found"))


def _check(agent: AgentSession | None, response: httpx.Response) -> None:
    if response.status_code == 401 and agent is not None:
        raise SessionRefusedError(response.text)
    raise_for_problem(response)
