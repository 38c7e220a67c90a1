"""Tables of the notifier service (schema ``notifier``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from shared.db import UtcDateTime, service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table
from shared.revocation import revoked_table

SCHEMA = "notifier"
metadata = service_metadata(SCHEMA)

delivery = Table(
    "delivery",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("ticket_id", Uuid, index=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("template", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("context", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("message_id", String(255)),
    Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    # However often an event is redelivered, a recipient gets one message per channel.
    UniqueConstraint("event_id", "channel", "recipient"),
    Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
)

# What the notifier keeps of each ticket to write to its customer when an event (an SLA
# extension, say) does not carry the contact itself.
ticket_contact = Table(
    "ticket_contact",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("partner_id", Uuid),
    # The registered partner the ticket was last handed to (waiting_partner): it hears of the
    # ticket's events too; NULL once it waits on a partner outside SviftDesk.
    Column("handed_to", Uuid),
    Column("received_at", UtcDateTime),
    # The staff id holding the ticket (ticket.assigned): who hears of its customer's replies
    # and warnings. NULL: in the queue.
    Column("assignee_id", Uuid),
    # When agents are told that nobody took the new request yet; NULL once it was taken,
    # finished or told.
    Column("waiting_alert_at", UtcDateTime, index=True),
    # Set when the customer's data was erased at their request (clauses 19, 24): the row keeps
    # the ticket's number and language, blank contact fields, and no mail goes out any more.
    Column("erased_at", UtcDateTime),
)

# Every stage seen, for the resolution report's timeline (clause 9); insert-only, so events
# handled side by side never overwrite each other.
ticket_stage = Table(
    "ticket_stage",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("at", UtcDateTime, primary_key=True),
    Column("status", String(32), primary_key=True),
    Column("note", Text),
)

webhook = Table(
    "webhook",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("partner_id", Uuid, nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    # Kept as is: signing needs the secret itself. Shown to the partner once, at creation.
    Column("secret", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
)

# Staff tokens as intake issued them (staff.registered): whom a staff id is, and who is on
# duty (a token that has neither expired nor been revoked).
staff_credential = Table(
    "staff_credential",
    metadata,
    Column("credential_id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# A staff member's choices, by address: they outlive the day's token.
staff_preference = Table(
    "staff_preference",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("language", String(2), nullable=False),
    # {kind: "mail" | "console" | "off"}; a kind left out takes its default.
    Column("choices", JSON, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# The beta programme (clause 28): who opted in, and what they were invited to.
beta_member = Table(
    "beta_member",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("opted_in", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

beta_invitation = Table(
    "beta_invitation",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("feature", String(200), nullable=False),
    Column("text_ru", Text, nullable=False),
    Column("text_en", Text, nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
revoked_credential = revoked_table(metadata)
