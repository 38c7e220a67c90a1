"""Tables of the escalation service (schema ``escalation``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

from shared.db import UtcDateTime, service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table
from shared.revocation import revoked_table

SCHEMA = "escalation"
metadata = service_metadata(SCHEMA)

# What this service knows of each ticket, from ticket.created: no personal data.
ticket = Table(
    "ticket",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("category", String(32)),
    Column("received_at", UtcDateTime, nullable=False),
)

escalation = Table(
    "escalation",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, nullable=False),
    Column("number", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(32), nullable=False),
    # Arrival in the senior queue: the queue is strictly in this order (clause 7).
    Column("opened_at", UtcDateTime, nullable=False),
    Column("assignee_id", Uuid),
    Column("assigned_at", UtcDateTime),
    Column("closed_by", Uuid),
    Column("closed_at", UtcDateTime),
    Column("outcome", Text),
    Index("ix_escalation_status_opened_at", "status", "opened_at"),
    # A ticket has at most one escalation that is not closed.
    Index(
        "ix_escalation_open_ticket_id",
        "ticket_id",
        unique=True,
        postgresql_where=Column("closed_at").is_(None),
        sqlite_where=Column("closed_at").is_(None),
    ),
)

# Every request, breach or complaint that asked for the review, in order of arrival.
escalation_reason = Table(
    "escalation_reason",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("escalation_id", Uuid, nullable=False, index=True),
    Column("source", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("event_id", String(64)),
    Column("added_at", UtcDateTime, nullable=False),
)

incident = Table(
    "incident",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("declared_by", Uuid, nullable=False),
    Column("declared_at", UtcDateTime, nullable=False),
    Column("resolved_by", Uuid),
    Column("resolved_at", UtcDateTime),
    Column("resolution", Text),
    Index("ix_incident_declared_at", "declared_at"),
)

incident_ticket = Table(
    "incident_ticket",
    metadata,
    Column("incident_id", Uuid, nullable=False),
    Column("ticket_id", Uuid, nullable=False, index=True),
    Column("linked_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("incident_id", "ticket_id"),
)

incident_update = Table(
    "incident_update",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("incident_id", Uuid, nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("posted_by", Uuid, nullable=False),
    Column("posted_at", UtcDateTime, nullable=False),
)

# A bug forwarded to the development tracker: stored first, then sent by the worker until the
# tracker accepts it, so it is never lost; its id is the Idempotency-Key, so never doubled.
forward = Table(
    "forward",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, nullable=False),
    Column("number", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("requested_by", Uuid, nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Column("tracker_reference", String(200), index=True),
    Column("release", String(200)),
    Column("released_at", UtcDateTime),
    Index(
        "ix_forward_next_attempt_at",
        "next_attempt_at",
        postgresql_where=Column("sent_at").is_(None),
        sqlite_where=Column("sent_at").is_(None),
    ),
    # One forward of a ticket in development at a time; after its fix ships, a new one may go.
    Index(
        "ix_forward_active_ticket_id",
        "ticket_id",
        unique=True,
        postgresql_where=Column("released_at").is_(None),
        sqlite_where=Column("released_at").is_(None),
    ),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
revoked_credential = revoked_table(metadata)
