"""What the intake API's features share: the text types, the files and the messages both
tickets (a ticket's view) and the conversation (a reply's answer) carry, and the problem
answers every route may give (``INTAKE_PROBLEMS``). Each feature keeps its own request and
response bodies in its own ``schemas.py``."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    Base64Bytes,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from services.intake.domain.tickets import MAX_ATTACHMENTS
from shared.contracts.api import PROBLEM_RESPONSES, Problem
from shared.contracts.events import (
    Actor,
)

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
Text5000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def _strict_base64(value: object) -> object:
    """Refuse what is not base64 (padding and alphabet checked) or decodes to nothing."""
    if isinstance(value, str):
        try:
            decoded = base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("not valid base64") from None
        if not decoded:
            raise ValueError("the file is empty")
    return value


class AttachmentIn(BaseModel):
    """A small file, base64 in the JSON body (which SVIFTDESK_MAX_REQUEST_BYTES bounds); larger
    ones go as ``multipart/form-data``."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_type: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$", max_length=127)
    ] = "application/octet-stream"
    data: Annotated[Base64Bytes, BeforeValidator(_strict_base64)] = Field(
        description="the file's bytes, base64-encoded"
    )


Attachments = Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS)]


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int = Field(description="bytes")
    refused: str | None = Field(
        default=None,
        description="a mailed file that was not taken, and why (over a size limit): listed so "
        "that the agent knows of it, and not downloadable",
    )


RAW_MAIL_URL = "/v1/inbound/email/{mail_id}/raw"


class MailSourceOut(BaseModel):
    """The mail a ticket or a message came from, kept whole (staff only)."""

    id: uuid.UUID = Field(description="the received message")
    raw_url: str = Field(
        description="its raw bytes, as they arrived (an .eml file; agents only)",
        examples=["/v1/inbound/email/0b9e5c1e-6a4f-4b8e-9a51-3c8f1f0d2a77/raw"],
    )
    defects: list[str] = Field(
        description="what was wrong with the mail and how it was read anyway (a multipart "
        "without its boundary, a charset label that lies…): the text shown may differ from "
        "what the customer saw, so check the raw message; empty when nothing was",
    )


class MessageOut(BaseModel):
    id: uuid.UUID
    author: Actor
    internal: bool = Field(description="an agents-only note; customers never see these")
    first_response: bool = Field(description="the first public reply of an agent")
    unverified: bool = Field(
        default=False,
        description="a mail from the customer's address that only its subject ties to the "
        "ticket (anyone can write that): staff only, not the customer's reply until an agent "
        "accepts it",
    )
    body: str
    created_at: AwareDatetime
    attachments: list[AttachmentOut]
    mail: MailSourceOut | None = Field(
        default=None, description="staff only: the mail this reply came in, if it did"
    )


# Problem answers every intake route may give, beside the shared ones.
INTAKE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    401: {"model": Problem, "description": "No valid token, or a revoked one"},
    403: {"model": Problem, "description": "The token does not allow this"},
}
