"""The conversation's request and response bodies (v1): a reply or a note, and the new ticket
a message on a closed one starts. (A message as answered, ``MessageOut``, is shared with the
ticket's view: ``services.intake.schemas``.)"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.intake.schemas import Attachments, Body
from services.intake.tickets.schemas import TicketCreatedOut


class FollowUpOut(BaseModel):
    """A customer's message on a closed ticket: a closed ticket is final, so the message
    started a new ticket, linked to the old one both ways (clause 18)."""

    follows_up: str = Field(description="the number of the closed ticket", examples=["SC-000123"])
    ticket: TicketCreatedOut = Field(description="the new ticket; its access token is shown once")


class MessageIn(BaseModel):
    """A reply, or (agents only) an internal note."""

    model_config = ConfigDict(extra="forbid")

    body: Body
    internal: bool = Field(default=False, description="an agents-only note")
    attachments: Attachments = Field(default_factory=list)
