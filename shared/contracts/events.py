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


EVENT_TYPES: dict[str, type[EventPayload]] = {model.event_type: model for model in (TicketCreated,)}


class UnknownEventError(ValueError):
    pass


def parse_payload(event: CloudEvent) -> EventPayload:
    """The typed payload of an event; raises for an unknown type or a payload that breaks it."""
    model = EVENT_TYPES.get(event.type)
    if model is None:
        raise UnknownEventError(f"unknown event type {event.type!r}")
    return model.model_validate(event.data)
