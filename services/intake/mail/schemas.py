"""Request and response bodies: mail forwarded over HTTP, and the mail that could not be read."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
)


class InboundOutcome(StrEnum):
    """What became of a message that reached the support address (clause 3)."""

    ticket_created = "ticket_created"
    message_added = "message_added"  # a reply of the ticket's customer
    # Names the customer's ticket by its subject alone: kept there for an agent to accept.
    unverified = "unverified"
    ignored = "ignored"  # automatic mail, a bounce, or our own mail: never a ticket
    throttled = "throttled"  # the sender wrote too often: kept, not filed
    rejected = "rejected"  # unreadable: kept for staff to look at


class InboundMailOut(BaseModel):
    id: uuid.UUID = Field(description="the recorded message")
    outcome: InboundOutcome
    reason: str | None = Field(description="why it was ignored, throttled or rejected")
    duplicate: bool = Field(description="this message was already received; nothing changed")
    ticket_id: uuid.UUID | None
    number: str | None = Field(examples=["SC-000123"])


class RejectedMailOut(BaseModel):
    id: uuid.UUID
    received_at: AwareDatetime
    via: str = Field(examples=["smtp", "http", "imap"])
    sender: str | None
    message_id: str | None
    subject: str
    reason: str | None
    defects: list[str]
    size: int = Field(description="bytes of the raw message, kept whole")
