"""Partner webhooks: what a partner may see of an event, and how each delivery is signed.

A partner verifies ``X-SviftDesk-Signature`` as HMAC-SHA256 over ``"{timestamp}.{body}"``
with its subscription's secret, and refuses a timestamp far from its own clock (replay).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

SIGNATURE_HEADER = "X-SviftDesk-Signature"
TIMESTAMP_HEADER = "X-SviftDesk-Timestamp"
EVENT_HEADER = "X-SviftDesk-Event"
DELIVERY_HEADER = "X-SviftDesk-Delivery"

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
