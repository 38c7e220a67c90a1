"""Webhooks cannot reach inside (issue 14): only public https destinations, checked when a
partner subscribes and again at every connection, to the address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.notifier.destinations import DestinationGuard
from services.notifier.domain.webhooks import Address, Network
from shared.auth import Role
from shared.settings import Settings
from tests.notifier.test_webhooks import _auth, _created, _publish, _subscribe
from tests.notifier.tls import self_signed
from tests.support import LoopbackReceiver, System, eventually

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
def allowed_networks() -> tuple[Network, ...]:
    return ()


@pytest.fixture
def settings(settings: Settings, allowed_networks: tuple[Network, ...]) -> Settings:
    """The operator's defaults: https only, no private network allowed."""
    update = {"webhook_allow_http": False, "webhook_allowed_networks": allowed_networks}
    return settings.model_copy(update=update)


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


@pytest.mark.parametrize("backend", ["embedded"])  # no storage of its own to try
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


@pytest.mark.parametrize("backend", ["embedded"])  # no storage of its own to try
async def test_a_name_rebound_inside_after_subscription_is_refused_at_send_and_parked(
    system: System, hostile_dns: None
) -> None:
    async with LoopbackReceiver() as receiver:
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


def tls_endpoint(cert: Path, key: Path, names: list[str | None]) -> LoopbackReceiver:
    """A partner's https endpoint on loopback; ``names`` gets the name each client asked for
    in TLS (SNI)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    return LoopbackReceiver([204], ssl=context)


@pytest.fixture
def partner_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """partner.example's certificate, trusted by the notifier as a public CA's would be."""
    cert, key = self_signed(tmp_path, "DNS:partner.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


@pytest.mark.parametrize("allowed_networks", [(ipaddress.ip_network("127.0.0.0/8"),)])
@pytest.mark.parametrize("backend", ["embedded"])  # no storage of its own to try
async def test_https_goes_to_the_checked_address_under_the_partners_name(
    partner_certificate: tuple[Path, Path], system: System, hostile_dns: None
) -> None:
    """Connected to the address checked, the request still names the partner's host in TLS
    (so its certificate is verified against it) and in Host."""
    names: list[str | None] = []
    async with tls_endpoint(*partner_certificate, names) as endpoint:
        partner = uuid.uuid4()
        url = f"https://partner.example:{endpoint.port}/hook"
        await _subscribe(system, partner, url, ["ticket.created"])

        async def partner_on_loopback(_host: str, _port: int) -> list[Address]:
            return [ipaddress.ip_address("127.0.0.1")]  # an allowed network, in this test

        _guard(system).resolver = partner_on_loopback
        await _publish(system, _created(partner, consent=False))
        await eventually(lambda: asyncio.sleep(0, endpoint.requests), bool)
        assert names == ["partner.example"]
        assert [r.headers["host"] for r in endpoint.requests] == [
            f"partner.example:{endpoint.port}"
        ]
