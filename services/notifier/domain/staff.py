"""Which staff member hears of what, and how: plain rules, no I/O.

Each kind of notice goes to the people who must act on it (the ticket's holder, every agent,
every senior); each person chooses per kind whether it is mailed too or only shown in the
console, or neither. Staff mail carries the ticket's number, never a customer's words: those
may quote our mail to the customer, and with it the customer's key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.contracts.events import StaffNoticeKind, StaffRole


class Delivery(StrEnum):
    mail = "mail"  # mailed, and shown in the console
    console = "console"  # shown in the console only
    off = "off"  # not at all


# What a person gets before choosing: mail for what is theirs to act on; a warning on a
# ticket nobody holds reaches every agent, so by default it only shows in the console.
DEFAULT_DELIVERY: Mapping[StaffNoticeKind, Delivery] = {
    StaffNoticeKind.request_waiting: Delivery.mail,
    StaffNoticeKind.customer_replied: Delivery.mail,
    StaffNoticeKind.sla_warning: Delivery.mail,
    StaffNoticeKind.queue_sla_warning: Delivery.console,
    StaffNoticeKind.escalation_arrived: Delivery.mail,
    StaffNoticeKind.ticket_handed_over: Delivery.mail,
}

# Who hears of the notices addressed to everyone rather than to a ticket's holder.
BROADCAST_ROLES: Mapping[StaffNoticeKind, frozenset[StaffRole]] = {
    StaffNoticeKind.request_waiting: frozenset({StaffRole.agent, StaffRole.senior}),
    StaffNoticeKind.queue_sla_warning: frozenset({StaffRole.agent, StaffRole.senior}),
    StaffNoticeKind.escalation_arrived: frozenset({StaffRole.senior}),
}


@dataclass(frozen=True)
class StaffMember:
    """A person on the staff as the notifier knows them: by address, whichever token they
    hold today, with their latest staff id and their choices."""

    email: str
    staff_id: uuid.UUID
    language: str = "ru"
    choices: Mapping[StaffNoticeKind, Delivery] = field(default_factory=dict)

    def delivery(self, kind: StaffNoticeKind) -> Delivery:
        return self.choices.get(kind, DEFAULT_DELIVERY[kind])


@dataclass(frozen=True)
class WaitingRequest:
    """A request nobody has taken, whose alert to the agents is due."""

    ticket_id: uuid.UUID
    number: str
    alert_at: datetime


def all_choices(choices: Mapping[StaffNoticeKind, Delivery]) -> dict[StaffNoticeKind, Delivery]:
    """Every kind with the person's choice, or the default where they made none."""
    return {kind: choices.get(kind, default) for kind, default in DEFAULT_DELIVERY.items()}


def mail_template(kind: StaffNoticeKind) -> str:
    return f"staff_{kind.value}"


STAFF_TEMPLATES = frozenset(mail_template(kind) for kind in StaffNoticeKind)


def notification_id(cause: str, email: str) -> uuid.UUID:
    """The same for the same cause and person, so that a redelivered event tells no one twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sviftdesk:staff-notice:{cause}:{email}")
