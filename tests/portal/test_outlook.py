"""The request page's "what happens next" (clauses 1, 2, 10) asks sla for as little as it may:
the desk's hours and the promise each time, the policy once a minute at most."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from services.portal import upstream as upstream_module
from services.portal.outlook import outlook
from services.portal.upstream import Upstream
from shared.settings import PeerSettings

TARGETS = {"first_response_minutes": 60}
POLICY = {"in_force": "v2", "versions": [{"version": "v2", "targets": TARGETS}]}
OPENING = {"open": True, "next_open": "2026-12-07T06:00:00+00:00"}
WAITING = {"status": "received", "received_at": "2026-12-07T07:00:00+00:00", "messages": []}


def _sla(asked: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/v1/policy":
            return httpx.Response(200, json=POLICY)
        if request.url.path == "/v1/calendar/open":
            return httpx.Response(200, json=OPENING)
        body: dict[str, Any] = json.loads(request.content)
        assert body == {"start": WAITING["received_at"], "minutes": 60}  # the version in force
        return httpx.Response(200, json={"end": "2026-12-07T08:00:00+00:00"})

    return httpx.MockTransport(answer)


async def test_the_policy_is_asked_once_a_minute_and_the_promise_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    upstream = Upstream(PeerSettings(), {"sla": _sla(asked)})
    try:
        first = await outlook(upstream, WAITING, "ru", None)
        again = await outlook(upstream, WAITING, "ru", None)
        assert first == again and first.answer_by == "понедельник, 07.12, 11:00"
        assert asked.count("/v1/policy") == 1
        assert asked.count("/v1/calendar/open") == asked.count("/v1/calendar/add") == 2
        # A minute on, a new version in force would be seen.
        monkeypatch.setattr(upstream_module, "KEPT_SECONDS", 0.0)
        await outlook(upstream, WAITING, "ru", None)
        assert asked.count("/v1/policy") == 2
    finally:
        await upstream.close()
