"""Single sign-on in the console (issue 16), against a provider stub on loopback: the agent
presses "Sign in with SSO" and lands in the queue; a state this browser did not start, and a
provider's refusal, are shown on the sign-in page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import expect
from pydantic import SecretStr

from shared.auth import Role
from shared.settings import Settings
from tests.console.conftest import Desk
from tests.intake.helpers import issue
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, ProviderStub, running_provider

AGENT = "anna@sviftcommunity.ru"


@pytest.fixture
def provider() -> Iterator[ProviderStub]:
    with running_provider() as stub:
        stub.email = AGENT
        yield stub


@pytest.fixture
def settings(settings: Settings, provider: ProviderStub) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
        }
    )


async def test_an_agent_signs_in_with_sso(desk: Desk, provider: ProviderStub) -> None:
    await issue(desk.system, Role.agent, email=AGENT)
    page = await desk.page()
    await page.goto("/sign-in")
    await desk.screenshot(page, "sso_sign_in")
    await page.get_by_role("button", name="Войти через SSO").click()
    await expect(page).to_have_url(f"{desk.url}/queue")
    await expect(page.get_by_role("button", name="Выйти")).to_be_visible()

    # A callback this browser did not start (a forged state) signs no one in.
    stranger = await desk.page()
    await stranger.goto("/sign-in/oidc/callback?code=stolen&state=forged")
    await expect(stranger.get_by_role("alert")).to_contain_text("начат не в этом браузере")
    await stranger.goto("/queue")
    await expect(stranger).to_have_url(re.compile(rf"^{re.escape(desk.url)}/sign-in\b"))

    # The provider says no: the sign-in page says so.
    provider.error = "access_denied"
    await stranger.get_by_role("button", name="Войти через SSO").click()
    await expect(stranger.get_by_role("alert")).to_contain_text("Вход через SSO отменён")
