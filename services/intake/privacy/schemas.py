"""Request and response bodies: a customer's data, exported or erased."""

from __future__ import annotations

import uuid

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
)

from shared.contracts.events import (
    Actor,
    Category,
    Channel,
    FeedbackKind,
    Language,
    TicketStatus,
)


class PrivacyRequestIn(BaseModel):
    """A customer's request about their personal data (clauses 19, 24), carried out by an
    admin once the customer has shown the address is theirs."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the address the customer writes to us from")


class ExportedMessageOut(BaseModel):
    author: Actor
    body: str
    created_at: AwareDatetime


class ExportedAttachmentOut(BaseModel):
    filename: str
    content_type: str
    size: int


class ExportedRatingOut(BaseModel):
    score: int
    comment: str | None
    rated_at: AwareDatetime


class ExportedTicketOut(BaseModel):
    id: uuid.UUID
    number: str
    channel: Channel
    category: Category | None
    subject: str
    body: str
    status: TicketStatus
    received_at: AwareDatetime
    resolved_at: AwareDatetime | None
    share_with_partners: bool
    messages: list[ExportedMessageOut] = Field(description="the public conversation")
    attachments: list[ExportedAttachmentOut]
    ratings: list[ExportedRatingOut]


class ExportedFeedbackOut(BaseModel):
    kind: FeedbackKind
    text: str
    created_at: AwareDatetime


class ExportedCustomerOut(BaseModel):
    id: uuid.UUID
    email: EmailStr
    name: str
    language: Language
    created_at: AwareDatetime


class CustomerDataOut(BaseModel):
    """Everything intake keeps of one customer: what they wrote, and the answers they got."""

    customer: ExportedCustomerOut | None = Field(description="null if they only left feedback")
    tickets: list[ExportedTicketOut]
    feedback: list[ExportedFeedbackOut]
    exported_at: AwareDatetime


class ErasureOut(BaseModel):
    customer_id: uuid.UUID | None
    tickets: list[str] = Field(description="numbers of the tickets whose personal data is gone")
    feedback: int = Field(description="feedback and suggestions erased")
    erased_at: AwareDatetime
