"""Who consumes which event: part of the contract (the event catalogue publishes it), and the
bindings the bus declares. Plain data, so the contracts import nothing of the infrastructure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# The topic exchange's name after the deployment's prefix (SVIFTDESK_BUS_PREFIX).
EVENTS_EXCHANGE = "events"
DEFAULT_PREFIX = "sviftdesk"

# Which service consumes which event types. Every service declares all of it at start-up, so
# an event published before its consumer first runs already has a queue to wait in.
BINDINGS: Mapping[str, Sequence[str]] = {
    "intake": (
        "incident.resolved",
        "development.forwarded",
        "development.fix_released",
        "sla.auto_close_due",
    ),
    "escalation": (
        "credential.revoked",
        "customer.erased",
        "ticket.created",
        "ticket.category_set",
        "ticket.escalation_requested",
        "sla.breached",
    ),
    "notifier": (
        "credential.revoked",
        "customer.erased",
        "staff.registered",
        "ticket.created",
        "ticket.assigned",
        "ticket.status_changed",
        "ticket.message_added",
        "ticket.consent_changed",
        "ticket.satisfaction_rated",
        "sla.extended",
        "sla.met",
        "sla.warning",
        "sla.breached",
        "escalation.opened",
        "escalation.closed",
        "incident.declared",
        "incident.tickets_linked",
        "incident.updated",
        "development.fix_released",
        "feedback.received",
        "staff.sign_in_requested",
        "customer.access_links_issued",
    ),
    "sla": (
        "credential.revoked",
        "ticket.created",
        "ticket.status_changed",
        "ticket.message_added",
        "ticket.complexity_set",
        "ticket.category_set",
        "escalation.opened",
        "escalation.closed",
        "ticket.satisfaction_rated",
        "feedback.received",
    ),
    # Its sessions end when their agent's token is revoked; staff notices and the queue's
    # changes reach the agents' open pages live.
    "console": (
        "credential.revoked",
        "staff.registered",
        "staff.notified",
        "ticket.created",
        "ticket.assigned",
        "ticket.status_changed",
    ),
}
