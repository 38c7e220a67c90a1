"""Which customer hears what, for each event: plain rules, no I/O.

Every stage of a ticket is told to its customer (clause 6), the resolution with a report
(clause 9), and every extension with its reason (clause 26). Internal notes never leave.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.contracts.events import (
    Actor,
    AttachmentRef,
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
        # An agent opens a ticket by taking it from the queue.
        TicketStatus.open: "специалист взял его в работу",
        TicketStatus.in_progress: "в работе",
        TicketStatus.waiting_customer: "ждёт вашего ответа",
        TicketStatus.waiting_partner: "ждёт ответа партнёра",
        TicketStatus.in_development: "передано в отдел разработки",
        TicketStatus.resolved: "решено",
        TicketStatus.closed: "закрыто",
    },
    "en": {
        TicketStatus.received: "received",
        TicketStatus.open: "taken up by a specialist",
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
    handed_to: uuid.UUID | None = None  # the registered partner the ticket was handed to
    # Erased at the customer's request (clauses 19, 24): the fields above are blank, and no
    # mail goes to this ticket's customer any more.
    erased: bool = False


# A delivery's context key for new links to a customer's requests: the parts of each key,
# secret like ``access_seed`` and dropped once the mail is sent.
ACCESS_LINKS = "access_links"


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
    """An agent's public reply goes to the customer, with its files (the sender fetches their
    bytes from intake as it writes the mail); notes and the customer's own do not."""
    if message.internal or message.author not in (Actor.agent, Actor.senior):
        return None
    context = _base(contact) | {
        "body": message.body,
        "greeted": greets(message.body),
        "ticket_id": str(message.ticket_id),
        "attachments": [
            {"id": str(a.id), "filename": a.filename, "content_type": a.content_type}
            for a in message.attachments
            if a.refused is None
        ],
    }
    return Notification("agent_reply", contact.email, contact.language, context)


def for_refused_files(contact: Contact, message: TicketMessageAdded) -> Notification | None:
    """The customer's mailed reply had a file over a size limit: they are told which."""
    refused = refused_files(message.attachments)
    if message.author is not Actor.customer or not refused:
        return None
    context = _base(contact) | {"refused_files": refused}
    return Notification("attachments_refused", contact.email, contact.language, context)


def refused_files(attachments: Sequence[AttachmentRef]) -> list[dict[str, Any]]:
    """The files that were not taken, with the limit each was over, in MiB."""
    return [
        {"filename": a.filename, "limit_mib": f"{(a.limit or 0) / (1024 * 1024):.3g}"}
        for a in attachments
        if a.refused is not None
    ]


# How agents open a letter, in either language.
_GREETING = re.compile(
    r"\s*(здравствуй\w*|привет\w*|добр(ый|ое|ого)\s+(день|вечер|утро|утра|дня|вечера)|hello|hi|hey|dear"
    r"|good\s+(morning|afternoon|evening))\b",
    re.IGNORECASE,
)


def greets(text: str) -> bool:
    """Whether a person's letter opens with a greeting: the mail then adds none of its own."""
    return _GREETING.match(text) is not None


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


# -- one mail per thing to know ----------------------------------------------------------------


def coalescible(template: str, context: Mapping[str, Any]) -> bool:
    """A stage notice that carries nothing but the new status (no note for the customer): any
    other mail about the ticket at about the same time tells them as much, or more."""
    return template == "status_changed" and not context.get("note")


@dataclass(frozen=True)
class MailRecord:
    """A mail recorded for a ticket's customer, as coalescing weighs it."""

    id: uuid.UUID
    template: str
    coalescible: bool
    recorded_at: datetime


def superseded_by(
    notice: MailRecord, others: Iterable[MailRecord], window: timedelta
) -> MailRecord | None:
    """The mail, recorded within ``window`` of the bare stage ``notice``, that makes it noise:
    any mail with more to say (the receipt, the agent's reply that moved the ticket, the
    report), or a newer bare notice (the customer needs the latest stage, not each one).
    None: the notice is the news, and goes out."""
    if not notice.coalescible:
        return None
    mine = (notice.recorded_at, str(notice.id))
    for other in others:
        if other.id == notice.id or abs(other.recorded_at - notice.recorded_at) > window:
            continue
        if not other.coalescible or (other.recorded_at, str(other.id)) > mine:
            return other
    return None
