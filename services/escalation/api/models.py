"""Request and response bodies of the escalation API (v1)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.escalation.domain.development import ForwardStatus
from services.escalation.domain.escalations import Status
from services.escalation.domain.incidents import Status as IncidentStatus
from shared.contracts.events import EscalationSource

MAX_TICKETS = 1000


def _text(min_length: int, max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- escalations ------------------------------------------------------------------------------


class ReasonOut(BaseModel):
    source: EscalationSource
    reason: str
    added_at: AwareDatetime


class EscalationOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    status: Status
    source: EscalationSource = Field(description="what opened it")
    opened_at: AwareDatetime = Field(description="arrival in the senior queue")
    assignee_id: uuid.UUID | None
    assigned_at: AwareDatetime | None
    closed_by: uuid.UUID | None
    closed_at: AwareDatetime | None
    outcome: str | None
    reasons: list[ReasonOut] = Field(description="every request, breach or complaint, in order")


class CloseIn(_In):
    outcome: Annotated[str, _text(3, 5000)] = Field(
        description="written for the customer: the notifier sends it to them"
    )


# -- incidents --------------------------------------------------------------------------------


class IncidentIn(_In):
    title: Annotated[str, _text(3, 200)]
    summary: Annotated[str, _text(3, 5000)] = Field(description="what failed, for customers")
    ticket_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_TICKETS)


class LinkIn(_In):
    ticket_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_TICKETS)


class UpdateIn(_In):
    text: Annotated[str, _text(3, 5000)] = Field(description="every linked customer reads it")


class ResolveIn(_In):
    summary: Annotated[str, _text(3, 5000)] = Field(
        description="the resolution summary every linked ticket is resolved with"
    )


class IncidentUpdateOut(BaseModel):
    id: uuid.UUID
    text: str
    posted_by: uuid.UUID
    posted_at: AwareDatetime


class LinkedTicketOut(BaseModel):
    id: uuid.UUID
    number: str = Field(description="the number people read, SC-000042")


class IncidentOut(BaseModel):
    id: uuid.UUID
    title: str
    summary: str
    status: IncidentStatus
    declared_by: uuid.UUID
    declared_at: AwareDatetime
    resolved_at: AwareDatetime | None
    resolution: str | None
    ticket_ids: list[uuid.UUID]
    tickets: list[LinkedTicketOut] = Field(description="the linked tickets, with their numbers")
    updates: list[IncidentUpdateOut]


class PublicUpdateOut(BaseModel):
    text: str
    posted_at: AwareDatetime


class PublicIncidentOut(BaseModel):
    """An incident in progress as customers read it: no staff, no other tickets."""

    id: uuid.UUID
    title: str
    summary: str
    declared_at: AwareDatetime
    latest: PublicUpdateOut | None = Field(description="the newest update to customers, if any")
    updates: list[PublicUpdateOut] = Field(description="every update to customers, oldest first")


class LinkedOut(IncidentOut):
    linked: list[uuid.UUID] = Field(description="the tickets this request linked")


class PostedUpdateOut(IncidentUpdateOut):
    ticket_ids: list[uuid.UUID] = Field(description="every linked ticket: all are told")


# -- bugs to development ----------------------------------------------------------------------


class TicketIncidentOut(BaseModel):
    """An incident a ticket is linked to."""

    id: uuid.UUID
    title: str
    status: IncidentStatus
    linked_at: AwareDatetime = Field(description="when this ticket was linked")
    resolved_at: AwareDatetime | None


class ForwardIn(_In):
    summary: Annotated[str, _text(10, 10_000)] = Field(
        description=(
            "the bug's technical content for developers: steps, expected and actual behaviour. "
            "No personal data: email addresses and phone numbers are masked before it leaves."
        )
    )


class ForwardOut(BaseModel):
    id: uuid.UUID = Field(description="also the Idempotency-Key the tracker sees")
    ticket_id: uuid.UUID
    number: str
    status: ForwardStatus
    summary: str
    requested_by: uuid.UUID
    requested_at: AwareDatetime
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_error: str | None
    sent_at: AwareDatetime | None
    tracker_reference: str | None
    release: str | None
    released_at: AwareDatetime | None


class CallbackIn(_In):
    """The tracker's fix notice: which forwards (ours or its references) shipped, and where."""

    release: Annotated[str, _text(1, 200)] = Field(description="the release the fix shipped in")
    notes: Annotated[str, _text(1, 5000)] | None = None
    forward_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_TICKETS)
    references: list[Annotated[str, _text(1, 200)]] = Field(
        default_factory=list, max_length=MAX_TICKETS, description="the tracker's own ids"
    )

    @model_validator(mode="after")
    def _names_something(self) -> CallbackIn:
        if not self.forward_ids and not self.references:
            raise ValueError("forward_ids: give forward_ids or references (one at least)")
        return self


class CallbackOut(BaseModel):
    release: str
    forward_ids: list[uuid.UUID] = Field(description="every forward the notice matched")
    ticket_ids: list[uuid.UUID]
    newly_released: list[uuid.UUID] = Field(description="empty when this notice came before")


class TicketActivityOut(BaseModel):
    """What the escalation service knows of one ticket, each list oldest first."""

    escalations: list[EscalationOut]
    forwards: list[ForwardOut] = Field(description="as GET /v1/tickets/{id}/development")
    incidents: list[TicketIncidentOut]
