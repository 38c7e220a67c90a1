"""The mail headers intake and the notifier agree on, so a customer's reply threads back.

Every mail we send about a ticket has the ticket tag in its subject, a Message-ID and a
per-ticket ``Reply-To`` address (``support+<token>@…``). The tag is for people: anyone can copy
it. The Message-ID and the address carry a MAC of the ticket number under the deployment's key,
so intake can tell a real reply from a forged one without asking the notifier (issue 14).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Protocol

TICKET_TAG_RE = re.compile(r"\[(SC-\d{6,})\]")
TICKET_NUMBER_RE = re.compile(r"SC-\d{6,}")
# <sviftdesk.{delivery id}.{signed ticket number}@domain>; the signed value has one dot.
MESSAGE_ID_RE = re.compile(r"<sviftdesk\.[0-9a-f-]{36}\.([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)@[^>]+>")
# support+{ticket number, lower case}.{MAC, hex}: mail systems may change an address's case.
REPLY_TOKEN_RE = re.compile(r"(sc-\d{6,})\.([0-9a-f]{32})")
THREAD_PURPOSE = "mail-thread"
REPLY_PURPOSE = "mail-reply-address"

# RFC 3834: our mail is automatic, so well-behaved auto-responders do not answer it.
AUTOMATIC_HEADERS = {
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppress": "All",
    "Precedence": "bulk",
}


class ValueSigner(Protocol):
    """What shared.auth.TokenSigner offers: values signed with the deployment's key."""

    def sign_value(self, purpose: str, value: str) -> str: ...
    def verify_value(self, purpose: str, token: str) -> str | None: ...


def ticket_tag(number: str) -> str:
    return f"[{number}]"


def tagged_subject(number: str, subject: str) -> str:
    return f"{ticket_tag(number)} {subject}"


def message_id(delivery_id: str, number: str | None, domain: str, signer: ValueSigner) -> str:
    """Unique per mail (the delivery id); a reply quoting it proves it answers our mail."""
    if number is None:
        return f"<sviftdesk.{delivery_id}@{domain}>"
    return f"<sviftdesk.{delivery_id}.{signer.sign_value(THREAD_PURPOSE, number)}@{domain}>"


def ticket_number_in(subject: str) -> str | None:
    """The tag in a subject: what the sender says the mail is about, proving nothing."""
    match = TICKET_TAG_RE.search(subject)
    return match.group(1) if match else None


def ticket_number_in_message_ids(references: Iterable[str], signer: ValueSigner) -> str | None:
    """The ticket of the first of our own Message-IDs among ``references`` that we signed."""
    for reference in references:
        for token in MESSAGE_ID_RE.findall(reference):
            number = signer.verify_value(THREAD_PURPOSE, token)
            if number is not None and TICKET_NUMBER_RE.fullmatch(number):
                return number
    return None


def _reply_mac(number: str, signer: ValueSigner) -> str:
    # Hex of a hash of the signed value: short enough for a local part (64 characters at most),
    # of one case, and still a MAC under the deployment's key.
    signed = signer.sign_value(REPLY_PURPOSE, number.upper())
    return hashlib.sha256(signed.encode()).hexdigest()[:32]


def reply_address(support_address: str, number: str, signer: ValueSigner) -> str:
    """``support+sc-000042.<MAC>@domain``: a reply to it is a reply about that ticket."""
    local, _, domain = support_address.partition("@")
    return f"{local}+{number.lower()}.{_reply_mac(number, signer)}@{domain}"


def split_plus(address: str) -> tuple[str, str | None]:
    """``local+detail@domain`` as (``local@domain``, ``detail``), lower case."""
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    base, plus, detail = local.partition("+")
    return f"{base}{at}{domain}", (detail if plus else None)


def is_support_address(address: str, support_addresses: Iterable[str]) -> bool:
    """A support address, or one with a ``+detail`` (the per-ticket reply addresses)."""
    return split_plus(address)[0] in support_addresses


def ticket_number_in_addresses(
    addresses: Iterable[str], support_addresses: Iterable[str], signer: ValueSigner
) -> str | None:
    """The ticket of the first per-ticket reply address of ours, with a MAC we made."""
    support = frozenset(support_addresses)
    for address in addresses:
        base, detail = split_plus(address)
        match = REPLY_TOKEN_RE.fullmatch(detail or "")
        if base not in support or match is None:
            continue
        number = match.group(1).upper()
        if hmac.compare_digest(match.group(2), _reply_mac(number, signer)):
            return number
    return None
