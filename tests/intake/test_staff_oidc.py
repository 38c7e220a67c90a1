"""Single sign-on by OpenID Connect (issue 16), intake being the client, against a provider
stub on loopback: the happy path, and one 401 for every token or address that must not sign
anyone in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from shared import signin
from shared.auth import Role
from shared.settings import Settings
from tests.intake.helpers import Limited, issue
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, ProviderStub, running_provider
from tests.support import System

AGENT = "anna@sviftcommunity.ru"
CALLBACK = "http://localhost:8005/sign-in/oidc/callback"


@pytest.fixture
def provider() -> Iterator[ProviderStub]:
    with running_provider() as stub:
        yield stub


def sso(stub: ProviderStub) -> dict[str, Any]:
    return {
        "oidc_issuer": stub.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": SecretStr(CLIENT_SECRET),
    }


async def authorize(system: System) -> tuple[str, str]:
    """Start a sign-on and follow the browser to the provider: the code and state it brings
    back to the callback."""
    started = await system.intake.post(
        "/v1/staff/sign-in/oidc/start", json={"redirect_uri": CALLBACK}
    )
    assert started.status_code == 200, started.text
    url, state = started.json()["url"], started.json()["state"]
    asked = parse_qs(urlsplit(url).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["state"] == [state]
    assert "code_verifier" not in asked and asked["nonce"][0]
    async with httpx.AsyncClient() as browser:
        back = await browser.get(url)
    assert back.status_code == 302
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    return query["code"][0], query["state"][0]


async def finish(system: System, code: str, state: str) -> httpx.Response:
    return await system.intake.post(
        "/v1/staff/sign-in/oidc", json={"code": code, "state": state, "redirect_uri": CALLBACK}
    )


async def test_sso_is_off_unless_configured(system: System) -> None:
    answer = await system.intake.post(
        "/v1/staff/sign-in/oidc/start", json={"redirect_uri": CALLBACK}
    )
    assert answer.status_code == 404


async def test_an_agent_signs_in_by_sso_and_nothing_else_does(
    limited: Limited, provider: ProviderStub
) -> None:
    async with limited(**sso(provider)) as system:
        agent_id, _ = await issue(system, Role.agent, email=AGENT)
        signer = system.runtime("intake").signer

        code, state = await authorize(system)
        answer = await finish(system, code, state)
        assert answer.status_code == 200, answer.text
        grant = signin.read_token(signer, answer.json()["sign_in_token"])
        assert grant is not None and str(grant.credential_id) == agent_id
        assert grant.role is Role.agent
        # The provider spends a code once.
        assert (await finish(system, code, state)).status_code == 401

        refusals: list[tuple[str, dict[str, Any]]] = [
            ("wrong nonce", {"claims": {"nonce": "another-sign-in"}}),
            ("wrong audience", {"claims": {"aud": "another-client"}}),
            ("wrong issuer", {"claims": {"iss": "https://elsewhere.example"}}),
            ("expired", {"claims": {"exp": 1_000_000_000}}),
            ("bad signature", {"signing_key": RSAKey.generate_key(2048, {"kid": "stub-1"})}),
            ("unverified email", {"email_verified": False}),
            ("unknown address", {"email": "stranger@sviftcommunity.ru"}),
        ]
        bodies = []
        for reason, wrong in refusals:
            for name, value in wrong.items():
                setattr(provider, name, value)
            code, state = await authorize(system)
            refused = await finish(system, code, state)
            assert refused.status_code == 401, reason
            bodies.append(refused.json())
            provider.claims, provider.signing_key = {}, None
            provider.email_verified, provider.email = True, AGENT

        # A revoked staff member is refused like a stranger.
        admin = (await issue(system, Role.admin, email="boss@sviftcommunity.ru"))[1]
        revoked = await system.intake.post(f"/v1/credentials/{agent_id}/revoke", headers=admin)
        assert revoked.status_code == 200, revoked.text
        code, state = await authorize(system)
        refused = await finish(system, code, state)
        assert refused.status_code == 401
        bodies.append(refused.json())
        assert all(body == bodies[0] for body in bodies), bodies
        assert "sign_in_token" not in str(bodies)


async def test_a_state_not_started_here_is_refused(
    limited: Limited, provider: ProviderStub
) -> None:
    async with limited(**sso(provider)) as system:
        await issue(system, Role.agent, email=AGENT)
        code, state = await authorize(system)
        for forged in ("made-up", state[:-2] + "xx"):
            assert (await finish(system, code, forged)).status_code == 401
        # Nor may a state started for one callback finish at another.
        other = await system.intake.post(
            "/v1/staff/sign-in/oidc",
            json={"code": code, "state": state, "redirect_uri": "https://evil.example/cb"},
        )
        assert other.status_code == 401


def test_the_issuer_must_be_https_but_on_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        Settings(oidc_issuer="http://sso.example.com", oidc_client_id="x")
    with pytest.raises(ValueError, match="CLIENT_ID"):
        Settings(oidc_issuer="https://sso.example.com")
    ok = Settings(oidc_issuer="https://sso.example.com/", oidc_client_id="x")
    assert ok.auth.oidc_issuer == "https://sso.example.com"
    assert Settings(oidc_issuer="http://127.0.0.1:9000", oidc_client_id="x").auth.oidc_issuer
