"""Whose words a reply is (issue 14): anyone can write ``From: victim@…`` and copy a subject.

A reply speaks for the ticket's customer only with proof: one of our signed Message-IDs in
``In-Reply-To``/``References``, our per-ticket ``Reply-To`` address among its recipients, or a
DMARC pass for the sender's domain from a receiving MTA we were told to believe. A reply tagged
only by its subject is kept for an agent to accept. Plain Python: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.intake.domain.mail import InboundMail
from shared.contracts.mail import (
    ValueSigner,
    ticket_number_in,
    ticket_number_in_addresses,
    ticket_number_in_message_ids,
)

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Thread:
    """The ticket a mail answers, and the proof that its sender wrote it (None: none)."""

    number: str
    proof: str | None


def thread_of(
    mail: InboundMail,
    *,
    recipients: Sequence[str],
    support_addresses: Iterable[str],
    authserv_ids: Iterable[str],
    signer: ValueSigner,
) -> Thread | None:
    """What ticket ``mail`` answers, by the strongest reference it carries; None: no ticket."""
    number = ticket_number_in_message_ids(mail.references, signer)
    if number is not None:
        return Thread(number, "our Message-ID")
    addresses = [*recipients, *mail.addressed_to]
    number = ticket_number_in_addresses(addresses, support_addresses, signer)
    if number is not None:
        return Thread(number, "our reply address")
    number = ticket_number_in(mail.subject)
    if number is None:
        return None
    domain = (mail.sender or "").rpartition("@")[2]
    if domain and dmarc_pass(mail.authentication_results, authserv_ids, domain):
        return Thread(number, "DMARC pass")
    return Thread(number, None)


def dmarc_pass(headers: Sequence[str], authserv_ids: Iterable[str], domain: str) -> bool:
    """Whether the topmost Authentication-Results header of a trusted MTA (RFC 8601) says DMARC
    passed for ``domain``. Only the topmost counts: the MTA adds its own above what the sender
    wrote, so a forged header with the same authserv-id sits below it."""
    trusted = {item.lower() for item in authserv_ids}
    for header in headers:
        text = header
        for _ in range(3):  # comments nest; three levels is more than any MTA writes
            text = _COMMENT.sub(" ", text)
        authserv, _, results = text.partition(";")
        names = authserv.split()
        if not names or names[0].lower() not in trusted:
            continue
        for result in results.split(";"):
            found = _properties(result)
            header_from = found.get("header.from", "").rpartition("@")[2]
            if found.get("dmarc") == "pass" and header_from == domain.lower():
                return True
        return False
    return False


def _properties(result: str) -> dict[str, str]:
    """``dmarc=pass header.from=example.com`` as a dict, in one pass over the words: the
    header comes from outside, so no pattern that could backtrack over it."""
    found: dict[str, str] = {}
    for word in " ".join(result.split()).replace(" =", "=").replace("= ", "=").split():
        key, equals, value = word.partition("=")
        if equals:
            found.setdefault(key.lower(), value.strip('"').lower())
    return found
