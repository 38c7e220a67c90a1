"""Partner webhooks: what a partner may see of an event, and how each delivery is signed.

A partner verifies ``X-SviftDesk-Signature`` as HMAC-SHA256 over ``"{timestamp}.{body}"``
with its subscription's secret, and refuses a timestamp far from its own clock (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any

SIGNATURE_HEADER = "X-SviftDesk-Signature"
TIMESTAMP_HEADER = "X-SviftDesk-Timestamp"
EVENT_HEADER = "X-SviftDesk-Event"
DELIVERY_HEADER = "X-SviftDesk-Delivery"

# The event types a partner's webhook may name: each one about a ticket, which the notifier
# consumes and passes on to the ticket's partner (handlers._fan_out_to_partner). Subscribing
# names only these, so no subscription waits for an event that is never sent.
DELIVERED: tuple[str, ...] = (
    "ticket.created",
    "ticket.status_changed",
    "ticket.message_added",
    "ticket.consent_changed",
    "ticket.satisfaction_rated",
    "sla.met",
    "sla.breached",
    "sla.extended",
    "escalation.opened",
    "escalation.closed",
    "incident.declared",
    "incident.tickets_linked",
    "incident.updated",
    "development.fix_released",
)

# Personal data a partner sees only with the customer's consent (clauses 19, 24).
PERSONAL_FIELDS = ("email", "name")
# The customer's key, or what it is made from: for their receipt only.
ACCESS_FIELDS = ("access_token", "access_seed", "access_key_id")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def wants(event_types: list[str], event_type: str) -> bool:
    return "*" in event_types or event_type in event_types


def partner_view(envelope: dict[str, Any]) -> dict[str, Any]:
    """The event as a partner receives it: the customer's contact only with the consent the
    event itself carries, which is the consent at the moment it happened."""
    data = dict(envelope.get("data", {}))
    for field in ACCESS_FIELDS:  # the customer's key never leaves for a partner
        data.pop(field, None)
    customer = data.get("customer")
    if isinstance(customer, dict) and customer.get("share_with_partners") is not True:
        data["customer"] = {
            key: value for key, value in customer.items() if key not in PERSONAL_FIELDS
        }
    return {**envelope, "data": data}


# -- where a webhook may go (no SSRF) -----------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_ULA = ipaddress.ip_network("fc00::/7")


def numeric_host(host: str) -> Address | None:
    """The address a host names by number, in any spelling a resolver accepts: dotted,
    bracketed IPv6, and the legacy forms (``0x7f000001``, ``2130706433``, ``0177.0.0.1``,
    ``127.1``) that inet_aton — and so the resolver — reads as IPv4."""
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    parts = bare.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    values: list[int] = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                values.append(int(part[2:], 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part, 8))
            else:
                values.append(int(part, 10))
        except ValueError:
            return None
    # a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits): the last part fills what is left.
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to another host (mapped, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, allowed: tuple[Network, ...] = ()) -> str | None:
    """Why a webhook may not go to this address, or None when it is public (or the operator
    allowed its network explicitly)."""
    if any(address.version == network.version and address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal(embedded, allowed)
            return None if reason is None else f"{reason} (inside the IPv6 address {address})"
        if address in _ULA:
            return f"{address} is not a public address (IPv6 unique local)"
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "carrier-grade NAT"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "special use"),
    )
    for hit, name in checks:
        if hit:
            return f"{address} is not a public address ({name})"
    return None
