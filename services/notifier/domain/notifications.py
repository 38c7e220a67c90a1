"""Which customer hears what, for each event: plain rules, no I/O.

Every stage of a ticket is told to its customer (clause 6), the resolution with a report
(clause 9), and every extension with its reason (clause 26). Internal notes never leave.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.contracts.events import (
    Actor,
    DevelopmentFixReleased,
    FeedbackReceived,
    SlaExtended,
    TicketMessageAdded,
    TicketStatus,
    TicketStatusChanged,
)

STATUS_WORDS = {
    "ru": {
        TicketStatus.received: "получено",
        TicketStatus.open: "зарегистрировано и ждёт специалиста",
        TicketStatus.in_progress: "в работе",
        TicketStatus.waiting_customer: "ждёт вашего ответа",
        TicketStatus.waiting_partner: "ждёт ответа партнёра",
        TicketStatus.in_development: "передано в отдел разработки",
        TicketStatus.resolved: "решено",
        TicketStatus.closed: "закрыто",
    },
    "en": {
        TicketStatus.received: "received",
        TicketStatus.open: "registered and waiting for a specialist",
        TicketStatus.in_progress: "in progress",
        TicketStatus.waiting_customer: "waiting for your reply",
        TicketStatus.waiting_partner: "waiting for a partner's answer",
        TicketStatus.in_development: "with our development team",
        TicketStatus.resolved: "resolved",
        TicketStatus.closed: "closed",
    },
}


# Customers read times on the desk's clock, as the policy states it: Moscow time.
DESK_ZONE = ZoneInfo("Europe/Moscow")


def format_moment(moment: datetime | None, language: str) -> str | None:
    if moment is None:
        return None
    local = moment.astimezone(DESK_ZONE)
    if language == "ru":
        return local.strftime("%d.%m.%Y %H:%M") + " по московскому времени"
    return local.strftime("%d %b %Y, %H:%M") + " Moscow time"


@dataclass(frozen=True)
class Contact:
    """What the notifier keeps of a ticket to write to its customer."""

    number: str
    email: str
    name: str
    language: str
    subject: str
    partner_id: uuid.UUID | None = None
    # Erased at the customer's request (clauses 19, 24): the fields above are blank, and no
    # mail goes to this ticket's customer any more.
    erased: bool = False


@dataclass(frozen=True)
class Notification:
    template: str
    recipient: str
    language: str
    context: dict[str, Any]


def _base(contact: Contact) -> dict[str, Any]:
    return {"number": contact.number, "name": contact.name, "subject": contact.subject}


def for_status_change(contact: Contact, change: TicketStatusChanged) -> Notification | None:
    """A stage in words; the resolution itself is told by the report (see for_report), and a
    move caused by a released fix by the fix notice (one mail for one thing to know)."""
    if change.to_status is TicketStatus.resolved:
        return None
    if change.cause == DevelopmentFixReleased.event_type:
        return None
    words = STATUS_WORDS[contact.language]
    template = "status_changed"
    context = _base(contact) | {
        "status": words[change.to_status],
        "note": change.note,
        "partner": change.partner.name if change.partner else None,
    }
    return Notification(template, contact.email, contact.language, context)


def for_message(contact: Contact, message: TicketMessageAdded) -> Notification | None:
    """An agent's public reply goes to the customer; notes and the customer's own do not."""
    if message.internal or message.author not in (Actor.agent, Actor.senior):
        return None
    context = _base(contact) | {"body": message.body}
    return Notification("agent_reply", contact.email, contact.language, context)


def for_extension(contact: Contact, extension: SlaExtended) -> Notification:
    context = _base(contact) | {
        "business_days": extension.business_days,
        "reason": extension.reason,
        "due_at": format_moment(extension.resolution_due_at, contact.language),
    }
    return Notification("extension", contact.email, contact.language, context)


def business_time(minutes: int | None, language: str) -> str | None:
    if minutes is None:
        return None
    hours, rest = divmod(minutes, 60)
    if language == "ru":
        return f"{hours} ч {rest} мин рабочего времени"
    return f"{hours} h {rest} min of working time"


def for_report(
    contact: Contact,
    *,
    note: str | None,
    stages: list[tuple[datetime, str]],
    received_at: datetime | None,
    first_response_minutes: int | None,
    resolution_minutes: int,
    within_target: bool,
) -> Notification:
    """The final report (clause 9): the summary, the timeline, the times against the targets."""
    language = contact.language
    words = STATUS_WORDS[language]
    timeline = [(format_moment(received_at, language), words[TicketStatus.received])]
    timeline = timeline if received_at else []
    timeline += [
        (format_moment(at, language), words[TicketStatus(status)]) for at, status in stages
    ]
    context = _base(contact) | {
        "note": note,
        "timeline": timeline,
        "first_response_time": business_time(first_response_minutes, language),
        "resolution_time": business_time(resolution_minutes, language),
        "within_target": within_target,
    }
    return Notification("resolved", contact.email, language, context)


def for_feedback(feedback: FeedbackReceived) -> Notification | None:
    """An acknowledgement, when the sender gave an address; it names only the kind."""
    if feedback.email is None:
        return None
    context = {"kind": feedback.kind.value}
    return Notification("feedback_received", feedback.email, feedback.language, context)
