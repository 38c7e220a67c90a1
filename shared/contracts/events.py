"""Event payloads: one versioned model per event type, and the registry that names them.

A breaking change to a payload adds a new version; consumers read ``dataschema`` to pick it.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.envelope import CloudEvent


class Channel(StrEnum):
    web = "web"
    email = "email"
    partner = "partner"
    api = "api"


class Language(StrEnum):
    ru = "ru"
    en = "en"


class Category(StrEnum):
    question = "question"
    bug = "bug"
    complaint = "complaint"
    feedback = "feedback"
    suggestion = "suggestion"
    onboarding = "onboarding"
    partner_issue = "partner_issue"
    testing_help = "testing_help"
    other = "other"


class TicketStatus(StrEnum):
    received = "received"
    open = "open"
    in_progress = "in_progress"
    waiting_customer = "waiting_customer"
    waiting_partner = "waiting_partner"
    in_development = "in_development"
    resolved = "resolved"
    closed = "closed"


class EventPayload(BaseModel):
    """Base of every payload: the event type and version it is published as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def schema_id(cls) -> str:
        return f"urn:sviftdesk:event:{cls.event_type}:v{cls.version}"

    def to_event(
        self, *, source: str, subject: str | None = None, correlation_id: str | None = None
    ) -> CloudEvent:
        return CloudEvent(
            source=source,
            type=self.event_type,
            subject=subject,
            dataschema=self.schema_id(),
            correlationid=correlation_id,
            data=self.model_dump(mode="json"),
        )


class CustomerRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    email: EmailStr
    name: str
    language: Language
    is_new: bool = Field(description="first ticket of this customer: gets onboarding guidance")


class TicketCreated(EventPayload):
    """A ticket was registered (clause 9); the customer is owed a receipt (clause 4)."""

    event_type: ClassVar[str] = "ticket.created"

    ticket_id: uuid.UUID
    number: str = Field(pattern=r"^SC-\d{6,}$")
    channel: Channel
    category: Category | None
    subject: str
    status: TicketStatus
    received_at: AwareDatetime
    customer: CustomerRef
    partner_id: uuid.UUID | None = Field(
        default=None, description="the partner that filed it; only that partner hears of it"
    )
    share_with_partners: bool = Field(
        default=False, description="the customer's consent to show partners their contact"
    )


class Complexity(StrEnum):
    simple = "simple"
    standard = "standard"
    complex = "complex"


class Actor(StrEnum):
    customer = "customer"
    agent = "agent"
    senior = "senior"
    partner = "partner"
    system = "system"


class PartnerRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    reference: str | None = None


class TicketStatusChanged(EventPayload):
    """A ticket moved to a new stage; the customer is told of each (clause 6)."""

    event_type: ClassVar[str] = "ticket.status_changed"

    ticket_id: uuid.UUID
    number: str
    from_status: TicketStatus
    to_status: TicketStatus
    note: str | None = Field(
        default=None, description="what the customer reads; the resolution summary on resolve"
    )
    partner: PartnerRef | None = Field(default=None, description="when waiting on a partner")
    actor: Actor
    changed_at: AwareDatetime
    customer: CustomerRef


class TicketMessageAdded(EventPayload):
    """A reply or an internal note; an agent's first public reply is the first response."""

    event_type: ClassVar[str] = "ticket.message_added"

    ticket_id: uuid.UUID
    number: str
    message_id: uuid.UUID
    author: Actor
    internal: bool = Field(description="an agents-only note: never shown or sent to the customer")
    first_response: bool = Field(description="the first public reply of an agent")
    body: str
    added_at: AwareDatetime
    customer: CustomerRef


class TicketComplexitySet(EventPayload):
    """An agent judged the ticket's complexity: it sets the resolution target (clause 8)."""

    event_type: ClassVar[str] = "ticket.complexity_set"

    ticket_id: uuid.UUID
    number: str
    complexity: Complexity
    set_at: AwareDatetime


class TicketEscalationRequested(EventPayload):
    """The customer asked for a senior specialist's review (clause 11)."""

    event_type: ClassVar[str] = "ticket.escalation_requested"

    ticket_id: uuid.UUID
    number: str
    reason: str
    requested_at: AwareDatetime
    customer: CustomerRef


class TicketSatisfactionRated(EventPayload):
    """The customer rated the answer after resolution (clauses 13, 27)."""

    event_type: ClassVar[str] = "ticket.satisfaction_rated"

    ticket_id: uuid.UUID
    number: str
    score: int = Field(ge=1, le=5)
    comment: str | None = None
    rated_at: AwareDatetime


class SlaTarget(StrEnum):
    first_response = "first_response"
    resolution = "resolution"


class SlaTargetsSet(EventPayload):
    """A ticket's clocks started: when the desk starts on it and when each target falls due."""

    event_type: ClassVar[str] = "sla.targets_set"

    ticket_id: uuid.UUID
    number: str
    policy_version: str
    received_at: AwareDatetime
    clock_starts_at: AwareDatetime = Field(
        description="the next opening when the ticket arrived while the desk was closed"
    )
    first_response_due_at: AwareDatetime
    resolution_due_at: AwareDatetime


class SlaMet(EventPayload):
    """A target was met (or missed but now done): the answer or the resolution came."""

    event_type: ClassVar[str] = "sla.met"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    met_at: AwareDatetime
    business_minutes: int = Field(description="business minutes the target took")
    within_target: bool


class SlaWarning(EventPayload):
    """The warning share of a target's time has passed and the target is not yet met."""

    event_type: ClassVar[str] = "sla.warning"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    due_at: AwareDatetime


class SlaBreached(EventPayload):
    """A target was missed; escalation opens a review on it."""

    event_type: ClassVar[str] = "sla.breached"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    due_at: AwareDatetime
    breached_at: AwareDatetime


class SlaExtended(EventPayload):
    """The resolution target moved, with the reason the customer reads (clause 26)."""

    event_type: ClassVar[str] = "sla.extended"

    ticket_id: uuid.UUID
    number: str
    business_days: int
    reason: str
    resolution_due_at: AwareDatetime | None = Field(
        description="the new due time; none while the clock is paused"
    )
    extended_at: AwareDatetime


EVENT_TYPES: dict[str, type[EventPayload]] = {
    model.event_type: model
    for model in (
        TicketCreated,
        TicketStatusChanged,
        TicketMessageAdded,
        TicketComplexitySet,
        TicketEscalationRequested,
        TicketSatisfactionRated,
        SlaTargetsSet,
        SlaMet,
        SlaWarning,
        SlaBreached,
        SlaExtended,
    )
}


class UnknownEventError(ValueError):
    pass


def parse_payload(event: CloudEvent) -> EventPayload:
    """The typed payload of an event; raises for an unknown type or a payload that breaks it."""
    model = EVENT_TYPES.get(event.type)
    if model is None:
        raise UnknownEventError(f"unknown event type {event.type!r}")
    return model.model_validate(event.data)
