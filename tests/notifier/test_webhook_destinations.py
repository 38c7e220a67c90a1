"""Webhooks cannot reach inside (issue 14): only public https destinations, checked when a
partner subscribes and again at every connection, to the address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.notifier.destinations import DestinationGuard
from services.notifier.domain.webhooks import Address
from shared.auth import Role
from shared.settings import Settings
from tests.notifier.test_webhooks import _auth, _created, _publish, _subscribe
from tests.support import System, WebhookReceiver, eventually

PUBLIC = ipaddress.ip_address("93.184.216.34")  # never connected to: only ever "resolved"
NAMES: dict[str, list[Address]] = {
    "partner.example": [PUBLIC],
    "rebind.example": [ipaddress.ip_address("127.0.0.1")],
    "half.example": [PUBLIC, ipaddress.ip_address("10.1.2.3")],
    "sviftdesk-intake.default.svc.cluster.local": [ipaddress.ip_address("10.96.0.10")],
}


async def fake_resolver(host: str, _port: int) -> list[Address]:
    """DNS as this test says it is: no lookup leaves the machine."""
    if host not in NAMES:
        raise OSError(f"{host}: name unknown")
    return NAMES[host]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The operator's defaults: https only, no private network allowed."""
    return settings.model_copy(update={"webhook_allow_http": False, "webhook_allowed_networks": ()})


def _guard(system: System) -> DestinationGuard:
    guard: DestinationGuard = system.apps["notifier"].state.webhook_guard
    return guard


@pytest.fixture
async def hostile_dns(system: System) -> AsyncIterator[None]:
    _guard(system).resolver = fake_resolver
    yield


REFUSED = {
    "https://127.0.0.1/hook": "loopback",
    "https://0x7f000001/hook": "loopback",
    "https://2130706433/hook": "loopback",
    "https://017700000001/hook": "loopback",
    "https://0177.0.0.1:8443/hook": "loopback",
    "https://[::1]/hook": "loopback",
    "https://[::ffff:127.0.0.1]/hook": "loopback",
    "https://[64:ff9b::a00:1]/hook": "private",
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "https://10.0.0.5/hook": "private",
    "https://192.168.1.1/hook": "private",
    "https://100.64.0.1/hook": "carrier-grade NAT",
    "https://[fc00::1]/hook": "unique local",
    "https://0.0.0.0/hook": "unspecified",
    "https://224.0.0.1/hook": "multicast",
    "https://localhost/hook": "not a public host name",
    "https://api.localhost/hook": "not a public host name",
    "https://sviftdesk-intake:8001/v1/tickets": "not a public host name",
    "https://sviftdesk-intake.default.svc.cluster.local/hook": "private",
    "https://rebind.example/hook": "loopback",
    "https://half.example/hook": "private",  # one public address does not vouch for the other
    "https://nowhere.example/hook": "does not resolve",
    "http://partner.example/hook": "http:// is not allowed",
}


async def test_inside_destinations_are_refused_at_subscription(
    system: System, hostile_dns: None
) -> None:
    partner = uuid.uuid4()
    headers = _auth(system, Role.partner, partner, "webhooks")
    notifier = system.clients["notifier"]
    for url, reason in REFUSED.items():
        response = await notifier.post(
            "/v1/webhooks", json={"url": url, "events": ["*"]}, headers=headers
        )
        assert response.status_code == 422, (url, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == "url" and reason in error["reason"], (url, error)
    assert (await notifier.get("/v1/webhooks", headers=headers)).json() == []
    # A public name over https is welcome (registration resolves it; nothing is sent yet).
    await _subscribe(system, partner, "https://partner.example/hook", ["*"])


async def test_a_name_rebound_inside_after_subscription_is_refused_at_send_and_parked(
    system: System, hostile_dns: None
) -> None:
    receiver = WebhookReceiver()
    await receiver.start()
    try:
        partner = uuid.uuid4()
        await _subscribe(system, partner, f"https://partner.example:{receiver.port}/hook", ["*"])

        async def rebound(_host: str, _port: int) -> list[Address]:
            return [ipaddress.ip_address("127.0.0.1")]  # where the receiver listens

        _guard(system).resolver = rebound
        await _publish(system, _created(partner, consent=False))
        admin = _auth(system, Role.admin, uuid.uuid4())

        async def parked() -> list[dict[str, Any]]:
            response = await system.clients["notifier"].get("/v1/deliveries/parked", headers=admin)
            return list(response.json())

        [entry] = await eventually(parked, lambda found: len(found) == 1)
        assert "loopback" in entry["last_error"] and entry["attempts"] == 1
        await asyncio.sleep(0.3)
        assert receiver.requests == []  # not one byte went inside
    finally:
        await receiver.stop()
