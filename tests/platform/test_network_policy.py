"""deploy/kubernetes/network-policy.yaml: SviftDesk's pods take and make only the connections
their service needs, and the notifier's webhooks reach no inside address (issue 14)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import yaml

from services.notifier.domain.webhooks import refusal
from shared.settings import PORTS, SERVICES

POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "network-policy.yaml"


def _policies() -> dict[str, dict[str, Any]]:
    documents = [d for d in yaml.safe_load_all(POLICIES.read_text()) if d]
    assert all(d["kind"] == "NetworkPolicy" for d in documents)
    return {d["metadata"]["name"]: d["spec"] for d in documents}


def _reaches(rule: dict[str, Any], address: str) -> bool:
    if "to" not in rule:
        return True
    ip = ipaddress.ip_address(address)
    for peer in rule["to"]:
        block = peer.get("ipBlock")
        if block is None:
            continue
        network = ipaddress.ip_network(block["cidr"])
        if ip.version == network.version and ip in network:
            excepted = (ipaddress.ip_network(e) for e in block.get("except", []))
            if not any(ip in e for e in excepted):
                return True
    return False


def test_everything_is_denied_unless_a_policy_opens_it() -> None:
    deny = _policies()["sviftdesk-default-deny"]
    assert deny["podSelector"] == {"matchLabels": {"app.kubernetes.io/part-of": "sviftdesk"}}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny


def test_each_service_is_reached_on_its_own_port_only() -> None:
    policies = _policies()
    for name in SERVICES:
        spec = policies[f"sviftdesk-{name}"]
        assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name
        ports = {port["port"] for rule in spec["ingress"] for port in rule["ports"]}
        assert ports == ({PORTS[name], 2525} if name == "intake" else {PORTS[name]}), name


def test_webhooks_leave_for_public_addresses_only() -> None:
    [webhooks] = [
        rule
        for rule in _policies()["sviftdesk-notifier"]["egress"]
        if {"protocol": "TCP", "port": 443} in rule["ports"]
    ]
    inside = [
        "127.0.0.1",
        "10.96.0.10",
        "172.20.1.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::ffff:10.0.0.1",
        "fd00::1",
        "fe80::1",
        "64:ff9b::a00:1",
    ]
    for address in inside:
        assert refusal(ipaddress.ip_address(address)) is not None, address  # the code agrees
        assert not _reaches(webhooks, address), address
    for address in ("93.184.216.34", "2606:2800:220:1::1"):
        assert refusal(ipaddress.ip_address(address)) is None
        assert _reaches(webhooks, address), address
