"""Request and response bodies of canned replies (issue 16)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from services.intake.domain.staff_tools import PLACEHOLDERS
from shared.contracts.events import Language

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ReplyBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]

_PLACEHOLDER_HELP = "placeholders, filled in for a ticket: " + "; ".join(
    f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items()
)


class CannedReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: ReplyBody = Field(description=_PLACEHOLDER_HELP)
    language: Language
    shared: bool = Field(
        default=False,
        description="for the whole team (seniors and admins only); otherwise the caller's own",
    )


class CannedReplyUpdate(BaseModel):
    """What to change; the rest stays. Whether it is shared does not change."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: ReplyBody | None = Field(default=None, description=_PLACEHOLDER_HELP)
    language: Language | None = None

    @field_validator("title", "body", "language", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("leave it out to keep it; it cannot be null")
        return value


class CannedReplyOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    language: Language
    shared: bool
    owner_id: uuid.UUID | None = Field(description="whose own it is; null when shared")
    created_by: uuid.UUID
    created_at: AwareDatetime
    updated_at: AwareDatetime


class RenderedReplyOut(BaseModel):
    """A canned reply for one ticket, ready to go into the reply box."""

    id: uuid.UUID
    ticket_number: str
    language: Language
    title: str
    body: str = Field(description="with the ticket's placeholders filled in")
    unfilled: list[str] = Field(
        description="placeholders left in ``body`` for the caller to fill: "
        "``expected_answer_time`` comes from the SLA service (GET /v1/tickets/{id}/sla there)"
    )
