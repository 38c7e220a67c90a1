"""Bugs to development (clause 12): what the tracker receives, how both sides sign, and how
long to wait between tries. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

SIGNATURE_HEADER = "X-SviftDesk-Signature"
TIMESTAMP_HEADER = "X-SviftDesk-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A signed request older or newer than this is refused: a captured one cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300


class ForwardStatus(StrEnum):
    pending = "pending"  # stored; the worker sends it until the tracker accepts it
    sent = "sent"  # the tracker accepted it: the ticket is in development
    released = "released"  # the tracker told us the fix shipped


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    # Phone numbers have 10 to 15 digits; dates, versions and codes keep theirs.
    return "[phone]" if 10 <= digits <= 15 else match.group()


def redact(text: str) -> str:
    """Mask email addresses and phone numbers an agent may have pasted into the summary."""
    return _PHONE.sub(_mask_phone, _EMAIL.sub("[email]", text))


def tracker_payload(
    *,
    forward_id: uuid.UUID,
    number: str,
    summary: str,
    category: str | None,
    channel: str,
    requested_at: datetime,
) -> dict[str, Any]:
    """What development receives: the technical content, and nothing about the customer."""
    return {
        "forward_id": str(forward_id),
        "ticket_number": number,
        "category": category,
        "channel": channel,
        "summary": redact(summary),
        "requested_at": requested_at.isoformat(),
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` HMAC-SHA256 over ``"{timestamp}.{body}"``, as on partner webhooks."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(
    secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> bool:
    """The raw body is what was signed, at a time close to ours."""
    # Seconds since 1970 fit in 12 digits; a longer one would be slow or fail to convert.
    if not timestamp or not signature or len(timestamp) > 12:
        return False
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    # Bytes: hmac refuses to compare non-ASCII str, and a header may hold anything.
    return hmac.compare_digest(signature.encode(), sign(secret, int(timestamp), body).encode())


def retry_delay(attempts: int, delays_ms: tuple[int, ...]) -> float:
    """Seconds before the next try after ``attempts`` failures: growing, then the last repeats.

    A forward is never parked: it waits until the tracker is back.
    """
    return delays_ms[min(max(attempts, 1), len(delays_ms)) - 1] / 1000


MAX_ANSWER_BYTES = 64 * 1024


def tracker_reference(body: bytes) -> str | None:
    """The tracker's id for the bug, if its answer is JSON with a ``reference`` string.
    Whatever else it answers, the forward is filed: a large or deeply nested answer is
    ignored, not parsed to the end of the stack."""
    if len(body) > MAX_ANSWER_BYTES:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    reference = data.get("reference") if isinstance(data, dict) else None
    if (
        isinstance(reference, str | int)
        and not isinstance(reference, bool)
        and str(reference).strip()
    ):
        return str(reference).strip()[:200]
    return None
