"""Tickets' request and response bodies (v1): filing, reading, the desk (moves, claims,
judgements), the customer's requests, the queue, lists and search."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from services.intake.domain.tickets import refused_channel_message
from services.intake.domain.timeline import TimelineKind
from services.intake.schemas import (
    AttachmentOut,
    Attachments,
    Body,
    MailSourceOut,
    MessageOut,
    Text200,
    Text5000,
)
from shared.contracts.events import (
    Actor,
    Category,
    Channel,
    Complexity,
    Language,
    PartnerRef,
    TicketStatus,
)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Text200
    language: Language = Language.ru


class TicketCreate(BaseModel):
    """A new request from the web form, a partner or the API. There is no priority (clause 7)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    customer: CustomerIn
    subject: Text200
    body: Body
    category: Category | None = None
    attachments: Attachments = Field(default_factory=list)

    @field_validator("channel", mode="before")
    @classmethod
    def _refuse_phone_and_social(cls, value: object) -> object:
        if isinstance(value, str) and (message := refused_channel_message(value)):
            raise ValueError(message)
        return value


class SuggestedArticleOut(BaseModel):
    """A published knowledge-base article that may answer the request (clause 16)."""

    id: uuid.UUID
    title: str
    language: Language
    url: str = Field(description="the article on the site")
    snippet: str = Field(description="the article's opening, as plain text")


class TicketCreatedOut(BaseModel):
    id: uuid.UUID
    number: str = Field(examples=["SC-000123"])
    status: TicketStatus
    received_at: AwareDatetime
    access_token: str | None = Field(
        description="the customer's key to this ticket; shown once, keep it secret: a retry "
        "with the same Idempotency-Key answers null (the receipt mail carries it too). Not "
        "given to a partner: it would let the partner act as the customer"
    )
    customer_is_new: bool | None = Field(
        default=None,
        description="first-time customer (onboarding, not priority); staff and partners only: "
        "told to anyone else, it would say whether an address has written to us before",
    )
    suggested_articles: list[SuggestedArticleOut] = Field(
        default_factory=list,
        description="up to three published articles that match the request, in the "
        "customer's language first: many questions are answered there at once",
    )


class CustomerOut(BaseModel):
    name: str | None = Field(description="null for a partner without the customer's consent")
    email: EmailStr | None = Field(description="null for a partner without the customer's consent")
    language: Language


class TicketRatingOut(BaseModel):
    """The customer's rating of one resolution, as staff read it."""

    id: uuid.UUID
    score: int
    comment: str | None
    rated_at: AwareDatetime
    resolved_at: AwareDatetime


class RatingItemOut(TicketRatingOut):
    ticket_id: uuid.UUID
    number: str


class TimelineEntryOut(BaseModel):
    at: AwareDatetime
    kind: TimelineKind
    actor: Actor
    from_status: TicketStatus | None = None
    to_status: TicketStatus | None = None
    note: str | None = None
    partner: PartnerRef | None = None
    complexity: Complexity | None = None
    category: Category | None = None
    agent_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    reason: str | None = None
    score: int | None = None
    share_with_partners: bool | None = None
    mail: MailSourceOut | None = Field(
        default=None,
        description="staff only: the mail a `created` or `message` entry came in, if it did",
    )


class TicketOut(BaseModel):
    """A ticket as its reader may see it: customers and partners never see internal notes or
    staff-only entries; partners see the customer's contact only with the customer's consent."""

    id: uuid.UUID
    number: str
    status: TicketStatus
    channel: Channel
    category: Category | None
    category_confidence: float | None = Field(
        default=None,
        description="staff only: how sure the words were of the category they gave it "
        "(clause 18); null when the customer chose it or an agent corrected it",
    )
    subject: str
    body: str
    received_at: AwareDatetime
    customer: CustomerOut
    customer_is_new: bool | None = Field(
        default=None,
        description="first-time customer (onboarding, not priority); staff and partners only: "
        "told to anyone else, it would say whether an address has written to us before",
    )
    complexity: Complexity | None
    share_with_partners: bool
    first_response_at: AwareDatetime | None
    resolved_at: AwareDatetime | None
    claimed_by: uuid.UUID | None = Field(default=None, description="staff only")
    claimed_at: AwareDatetime | None = Field(default=None, description="staff only")
    allowed_moves: list[TicketStatus] = Field(
        default_factory=list, description="staff only: where an agent may move it now"
    )
    attachments: list[AttachmentOut]
    mail: MailSourceOut | None = Field(
        default=None, description="staff only: the mail that filed it, if one did"
    )
    messages: list[MessageOut]
    timeline: list[TimelineEntryOut]
    ratings: list[TicketRatingOut] = Field(
        default_factory=list, description="staff only: the customer's ratings, with comments"
    )


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text200
    reference: Text200 = Field(description="the partner's own id for the case")
    partner_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "a registered partner (its key's id in GET /v1/credentials): it gets the ticket by "
            "webhook, reads it with its key and answers with POST /v1/tickets/{id}/messages; "
            "omit it for a partner outside SviftDesk"
        ),
    )


class TransitionIn(BaseModel):
    """Move the ticket. ``note`` is what the customer reads: the resolution summary when
    resolving; ``partner`` when waiting on one (clause 17)."""

    model_config = ConfigDict(extra="forbid")

    to: TicketStatus
    note: Text5000 | None = None
    partner: PartnerIn | None = None


class TransitionOut(BaseModel):
    id: uuid.UUID
    number: str
    from_status: TicketStatus
    to_status: TicketStatus
    changed_at: AwareDatetime
    allowed_moves: list[TicketStatus] = Field(description="where an agent may move it next")


class ComplexityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complexity: Complexity


class AssigneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: uuid.UUID | None = Field(
        description="a staff member's credential id (`sviftdesk credentials list`); null puts "
        "the ticket back in the queue, at the place its arrival gives it"
    )


class AssigneeOut(BaseModel):
    id: uuid.UUID
    number: str
    claimed_by: uuid.UUID | None


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category


class CategoryOut(BaseModel):
    id: uuid.UUID
    number: str
    category: Category


class ComplexityOut(BaseModel):
    id: uuid.UUID
    number: str
    complexity: Complexity


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text5000


class EscalationOut(BaseModel):
    id: uuid.UUID
    number: str
    requested_at: AwareDatetime


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5, description="1 (bad) to 5 (excellent)")
    comment: Text5000 | None = None


class RatingOut(BaseModel):
    id: uuid.UUID
    number: str
    score: int
    rated_at: AwareDatetime


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share_with_partners: bool = Field(
        description="may partners working on this ticket see your name and email"
    )


class ConsentOut(BaseModel):
    id: uuid.UUID
    share_with_partners: bool


class QueueItemOut(BaseModel):
    id: uuid.UUID
    number: str
    position: int = Field(description="1 is the next ticket to take")
    status: TicketStatus
    channel: Channel
    category: Category | None
    subject: str
    received_at: AwareDatetime
    customer_is_new: bool = Field(description="gets onboarding guidance; not priority")


class TicketQuery(BaseModel):
    """Which tickets to list; every filter narrows the list."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = Field(
        default_factory=list, description="any of these (repeat the parameter)"
    )
    category: list[Category] = Field(
        default_factory=list, description="any of these (repeat the parameter)"
    )
    channel: Channel | None = None
    mine: bool = Field(default=False, description="only those the calling agent claimed")
    customer: EmailStr | None = Field(default=None, description="only this customer's (staff)")
    needs_reply: bool = Field(
        default=False,
        description="staff: only tickets whose customer wrote last and waits for an answer "
        "(neither waiting on the customer, nor resolved or closed)",
    )
    after: str | None = Field(
        default=None,
        pattern=r"^SC-\d{6,18}$",
        description="a ticket number: the page starts after it (``next_after`` of the last page)",
    )
    limit: int = Field(default=100, ge=1, le=500)


class TicketSummaryOut(BaseModel):
    id: uuid.UUID
    number: str
    status: TicketStatus
    channel: Channel
    category: Category | None
    complexity: Complexity | None
    subject: str
    received_at: AwareDatetime
    customer_is_new: bool
    claimed_by: uuid.UUID | None = Field(description="the agent working on it; null if nobody")
    awaiting_reply_since: AwareDatetime | None = Field(
        default=None,
        description="staff only: since when the customer waits for an answer (their first "
        "public word after the agents' last one); null when the agents spoke last",
    )


class TicketPageOut(BaseModel):
    items: list[TicketSummaryOut] = Field(description="by arrival, oldest first")
    next_after: str | None = Field(
        description="the last number on this page: pass it as ``after`` for the next page; "
        "null on the last page"
    )


class SearchOrder(StrEnum):
    relevance = "relevance"
    newest = "newest"


class TicketSearchQuery(BaseModel):
    """A staff search; every filter narrows it."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = (
        Field(
            description="words (any of their forms, Russian or English), a ticket number "
            "(SC-000042) or a customer's address; a ticket matches when it holds every word, "
            "in its subject, body or messages (internal notes too)"
        )
    )
    status: list[TicketStatus] = Field(
        default_factory=list, description="any of these (repeat the parameter)"
    )
    category: list[Category] = Field(
        default_factory=list, description="any of these (repeat the parameter)"
    )
    channel: Channel | None = None
    assignee: uuid.UUID | None = Field(
        default=None, description="only those this staff member (credential id) works on"
    )
    mine: bool = Field(default=False, description="only those the calling agent works on")
    order: SearchOrder = Field(
        default=SearchOrder.relevance,
        description="relevance: the best match first (words in the subject weigh most), then "
        "the newest; newest: the newest first",
    )
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=10_000)


class TicketHitOut(TicketSummaryOut):
    customer: CustomerOut


class TicketSearchPageOut(BaseModel):
    items: list[TicketHitOut]
    next_offset: int | None = Field(
        description="pass it as ``offset`` for the next page; null on the last page"
    )
