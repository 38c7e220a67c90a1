"""Partners' endpoints in these tests listen on loopback over plain http, which a webhook may
reach only where the operator allows it, as an operator would for a partner on a private link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_network

import pytest

from shared.settings import Settings
from tests.support import LoopbackReceiver

LOOPBACK_ALLOWED = {
    "webhook_allow_http": True,
    "webhook_allowed_networks": (ip_network("127.0.0.0/8"),),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=LOOPBACK_ALLOWED)


@pytest.fixture
async def receiver() -> AsyncIterator[LoopbackReceiver]:
    """A partner's endpoint on loopback that records what it is sent."""
    async with LoopbackReceiver() as server:
        yield server
