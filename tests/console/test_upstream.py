"""The console's calls to the other services, as ids from a page's address shape them."""

from __future__ import annotations

import secrets

import httpx
import pytest

from services.console.upstream import ProblemError, Upstream
from shared.auth import TokenSigner
from shared.settings import PeerSettings


@pytest.mark.parametrize(
    "ticket_id",
    ["\x00", "a\nb", "..", ".", "x?internal=true", "x#y"],
)
async def test_an_id_no_service_issued_is_not_found_and_never_sent(ticket_id: str) -> None:
    """/tickets/%00 was a 500 (httpx refused the URL), and /tickets/%2e%2e reached another
    path of intake: both are a page's "not found" now, and nothing is asked of the service."""
    asked: list[httpx.Request] = []

    def intake(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json={})

    signer = TokenSigner(secrets.token_urlsafe(32).encode())
    upstream = Upstream(PeerSettings(), signer, {"intake": httpx.MockTransport(intake)})
    try:
        with pytest.raises(ProblemError) as refused:
            await upstream.call(None, "intake", "GET", f"/v1/tickets/{ticket_id}")
        assert refused.value.problem.status == 404
        assert asked == []
        # An ordinary id still goes through.
        await upstream.call(None, "intake", "GET", "/v1/tickets/SC-000001")
        assert [r.url.path for r in asked] == ["/v1/tickets/SC-000001"]
    finally:
        await upstream.close()
