"""The mail headers intake and the notifier agree on, so a customer's reply threads back.

Every mail we send has the ticket tag in its subject and a Message-ID of our own shape; intake
recognises either on the way back in.
"""

from __future__ import annotations

import re

TICKET_TAG_RE = re.compile(r"\[(SC-\d{6,})\]")
MESSAGE_ID_RE = re.compile(r"<sviftdesk\.([0-9a-f-]{36})\.([A-Za-z0-9-]+)@[^>]+>")

# RFC 3834: our mail is automatic, so well-behaved auto-responders do not answer it.
AUTOMATIC_HEADERS = {
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppress": "All",
    "Precedence": "bulk",
}


def ticket_tag(number: str) -> str:
    return f"[{number}]"


def tagged_subject(number: str, subject: str) -> str:
    return f"{ticket_tag(number)} {subject}"


def message_id(delivery_id: str, number: str, domain: str) -> str:
    return f"<sviftdesk.{delivery_id}.{number}@{domain}>"


def ticket_number_in(subject: str) -> str | None:
    match = TICKET_TAG_RE.search(subject)
    return match.group(1) if match else None


def ticket_number_in_message_id(value: str) -> str | None:
    match = MESSAGE_ID_RE.search(value)
    return match.group(2) if match else None
