"""The other services' public HTTP APIs, called for the customer: with their ticket's access
key, or anonymously. The portal holds no credential of its own."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from shared.settings import PeerSettings
from shared.web.upstream import ServiceClients, raise_for_problem

# How long a public answer that rarely changes (sla's policy) is kept: each call is a hop
# through another service, a large share of a page's time (issue 17's benchmark).
KEPT_SECONDS = 60.0


class Upstream(ServiceClients):
    def __init__(
        self, peers: PeerSettings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        super().__init__(peers, transports)
        self._kept: dict[tuple[str, str], tuple[float, Any]] = {}

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
        response = await self.send(service, method, path, bearer=key, client=client, **kwargs)
        raise_for_problem(response)
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
