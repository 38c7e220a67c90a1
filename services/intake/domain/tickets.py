"""Ticket rules that need no I/O: numbers, refused channels, what a new ticket looks like."""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote

from shared.auth import token_hash
from shared.contracts.events import TicketStatus
from shared.errors import UnprocessableError

NUMBER_PREFIX = "SC-"
NUMBER_RE = re.compile(r"^SC-(\d{6,})$")

INITIAL_STATUS = TicketStatus.received

# Clauses 5 and 29: we do not take requests by phone or on social networks.
REFUSED_CHANNELS = {
    "phone": "by phone",
    "telephone": "by phone",
    "call": "by phone",
    "sms": "by phone",
    "social": "through social networks",
    "vk": "through social networks",
    "telegram": "through social networks",
}
WEB_FORM_URL = "https://sviftcommunity.ru"
SUPPORT_EMAIL = "support@sviftcommunity.ru"


def refused_channel_message(channel: str) -> str | None:
    """The guidance for a channel we do not serve, or None if the channel is not refused."""
    how = REFUSED_CHANNELS.get(channel.strip().lower())
    if how is None:
        return None
    return (
        f"we do not take support requests {how}: please use the web form at {WEB_FORM_URL} "
        f"or write to {SUPPORT_EMAIL}"
    )


def format_number(sequence: int) -> str:
    return f"{NUMBER_PREFIX}{sequence:06d}"


# The largest number the database can hold (a BIGINT); a larger one names no ticket.
MAX_SEQUENCE = 2**63 - 1


def parse_number(number: str) -> int | None:
    match = NUMBER_RE.match(number.strip().upper())
    sequence = int(match.group(1)) if match else None
    return sequence if sequence is not None and sequence <= MAX_SEQUENCE else None


def new_access_seed() -> str:
    """What the customer's key is made from (``shared.auth.customer_key``): useless without
    the deployment's secret, so it may rest in the outbox and the queues."""
    return secrets.token_urlsafe(16)


def tokens_match(token: str, stored_hash: str) -> bool:
    return secrets.compare_digest(token_hash(token), stored_hash)


# Attachments: at most this many a message, each within SVIFTDESK_MAX_ATTACHMENT_BYTES.
MAX_ATTACHMENTS = 5
_UNSAFE_IN_FILENAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


class AttachmentTooLargeError(UnprocessableError):
    def __init__(self, field: str, size: int, limit: int) -> None:
        reason = f"the file is {size} bytes; the limit is {limit} bytes"
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def describe_bytes(size: int) -> str:
    """A limit as people read it: 20971520 bytes (20 MiB)."""
    mib = size / (1024 * 1024)
    return f"{size} bytes ({mib:g} MiB)" if mib >= 1 and mib == int(mib) else f"{size} bytes"


def check_attachment_size(field: str, size: int, limit: int) -> None:
    if size > limit:
        raise AttachmentTooLargeError(field, size, limit)


def clean_filename(name: str) -> str:
    """The last path component, without control characters or quotes: safe in a header."""
    base = re.split(r"[/\\]", name.strip())[-1]
    cleaned = _UNSAFE_IN_FILENAME.sub("_", base).strip(" .")
    return cleaned[:255] or "attachment"


def content_disposition(filename: str) -> str:
    """An attachment's download header: an ASCII fallback and the real name (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def partner_sees_contact(share_with_partners: bool) -> bool:
    """A customer's name and email reach a partner only with the customer's consent (clause
    19); the consent is off until the customer turns it on."""
    return share_with_partners
