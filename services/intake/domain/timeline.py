"""What a ticket's timeline records."""

from __future__ import annotations

from enum import StrEnum


class TimelineKind(StrEnum):
    created = "created"
    claimed = "claimed"
    status_changed = "status_changed"
    message = "message"
    internal_note = "internal_note"
    complexity_set = "complexity_set"
    category_set = "category_set"
    # Handed to another agent, or put back in the queue (staff only).
    assigned = "assigned"
    escalation_requested = "escalation_requested"
    rated = "rated"
    consent_changed = "consent_changed"
    # A customer wrote about a closed ticket: the new ticket and the old one point at each other.
    follow_up = "follow_up"
    # Mail that names the ticket by its subject only, and an agent accepting it (staff only).
    unverified_message = "unverified_message"
    message_accepted = "message_accepted"
