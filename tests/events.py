"""Events as the producers would send them, for tests: each factory fills every field with a
sensible default, so a test names only what it is about; ``envelope`` wraps a payload in the
CloudEvent its producer would publish (source by event type, the ticket as subject)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    Actor,
    Category,
    Channel,
    CustomerErased,
    CustomerRef,
    EscalationClosed,
    EscalationOpened,
    EscalationSource,
    EventPayload,
    Language,
    SlaBreached,
    SlaTarget,
    SlaWarning,
    StaffRegistered,
    StaffRole,
    TicketAssigned,
    TicketCategorySet,
    TicketCreated,
    TicketEscalationRequested,
    TicketMessageAdded,
    TicketStatus,
    TicketStatusChanged,
)

# Who publishes what, by the event type's first word (staff.notified is the notifier's).
PRODUCERS = {
    "ticket": "intake",
    "customer": "intake",
    "feedback": "intake",
    "staff": "intake",
    "credential": "intake",
    "sla": "sla",
    "escalation": "escalation",
    "incident": "escalation",
    "development": "escalation",
}


def producer_of(event_type: str) -> str:
    if event_type == "staff.notified":
        return "notifier"
    return PRODUCERS[event_type.split(".", 1)[0]]


def envelope(
    payload: EventPayload,
    *,
    source: str | None = None,
    subject: uuid.UUID | str | None = None,
    correlation_id: str | None = None,
) -> CloudEvent:
    """``payload`` as its producer publishes it; the subject is its ticket unless given."""
    if subject is None:
        subject = getattr(payload, "ticket_id", None)
    return payload.to_event(
        source=source or f"/sviftdesk/{producer_of(payload.event_type)}",
        subject=None if subject is None else str(subject),
        correlation_id=correlation_id,
    )


def number_of(ticket_id: uuid.UUID) -> str:
    """A ticket number as intake gives them (SC- and six digits), stable for a ticket id."""
    return f"SC-{uuid.UUID(str(ticket_id)).int % 10**6:06d}"


def customer(email: str = "ivan@example.com", **overrides: Any) -> CustomerRef:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": email,
        "name": "Иван Петров",
        "language": Language.ru,
        "is_new": False,
    }
    return CustomerRef(**(fields | overrides))


def ticket_created(ticket_id: uuid.UUID | None = None, **overrides: Any) -> TicketCreated:
    ticket_id = ticket_id or uuid.uuid4()
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "channel": Channel.web,
        "category": None,
        "subject": "Не проходит оплата",
        "status": TicketStatus.received,
        "received_at": datetime.now(UTC),
        "customer": customer(),
    }
    return TicketCreated(**(fields | overrides))


def status_changed(
    ticket_id: uuid.UUID,
    to_status: TicketStatus,
    from_status: TicketStatus = TicketStatus.open,
    **overrides: Any,
) -> TicketStatusChanged:
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "from_status": from_status,
        "to_status": to_status,
        "actor": Actor.agent,
        "changed_at": datetime.now(UTC),
        "customer": customer(),
    }
    return TicketStatusChanged(**(fields | overrides))


def message_added(ticket_id: uuid.UUID, **overrides: Any) -> TicketMessageAdded:
    """An agent's public reply, by default the ticket's first."""
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "message_id": uuid.uuid4(),
        "author": Actor.agent,
        "internal": False,
        "first_response": True,
        "body": "Проверили: оплата прошла.",
        "added_at": datetime.now(UTC),
        "customer": customer(),
    }
    return TicketMessageAdded(**(fields | overrides))


def category_set(
    ticket_id: uuid.UUID, category: Category = Category.complaint, **overrides: Any
) -> TicketCategorySet:
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "category": category,
        "previous": None,
        "subject": "Не проходит оплата",
        "set_at": datetime.now(UTC),
    }
    return TicketCategorySet(**(fields | overrides))


def escalation_requested(ticket_id: uuid.UUID, **overrides: Any) -> TicketEscalationRequested:
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "reason": "Прошу старшего специалиста",
        "requested_at": datetime.now(UTC),
        "customer": customer(),
    }
    return TicketEscalationRequested(**(fields | overrides))


def sla_warning(ticket_id: uuid.UUID, **overrides: Any) -> SlaWarning:
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "target": SlaTarget.first_response,
        "due_at": datetime.now(UTC),
    }
    return SlaWarning(**(fields | overrides))


def sla_breached(ticket_id: uuid.UUID, **overrides: Any) -> SlaBreached:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "target": SlaTarget.first_response,
        "due_at": now,
        "breached_at": now,
    }
    return SlaBreached(**(fields | overrides))


def escalation_opened(ticket_id: uuid.UUID, **overrides: Any) -> EscalationOpened:
    fields: dict[str, Any] = {
        "escalation_id": uuid.uuid4(),
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "source": EscalationSource.customer_request,
        "reason": "Прошу старшего специалиста",
        "opened_at": datetime.now(UTC),
    }
    return EscalationOpened(**(fields | overrides))


def escalation_closed(ticket_id: uuid.UUID, **overrides: Any) -> EscalationClosed:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "escalation_id": uuid.uuid4(),
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "outcome": "Ошибку исправили, платёж вернули.",
        "sources": [EscalationSource.customer_request],
        "closed_by": uuid.uuid4(),
        "opened_at": now,
        "closed_at": now,
    }
    return EscalationClosed(**(fields | overrides))


def staff_registered(staff_id: uuid.UUID | None = None, **overrides: Any) -> StaffRegistered:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "credential_id": staff_id or uuid.uuid4(),
        "email": "agent@sviftcommunity.ru",
        "role": StaffRole.agent,
        "registered_at": now,
        "expires_at": now + timedelta(days=90),
    }
    return StaffRegistered(**(fields | overrides))


def ticket_assigned(
    ticket_id: uuid.UUID, assignee_id: uuid.UUID | None, **overrides: Any
) -> TicketAssigned:
    """Claimed by ``assignee_id`` from the queue (None: put back in the queue)."""
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": number_of(ticket_id),
        "assignee_id": assignee_id,
        "previous_assignee_id": None,
        "assigned_by": assignee_id or uuid.uuid4(),
        "assigned_at": datetime.now(UTC),
    }
    return TicketAssigned(**(fields | overrides))


def customer_erased(*ticket_ids: uuid.UUID, **overrides: Any) -> CustomerErased:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "ticket_ids": list(ticket_ids),
        "erased_at": datetime.now(UTC),
    }
    return CustomerErased(**(fields | overrides))
