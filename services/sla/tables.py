"""Tables of the sla service (schema ``sla``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    func,
)

from services.sla.domain.clock import FINISHED
from shared.db import UtcDateTime, service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table
from shared.revocation import revoked_table

SCHEMA = "sla"
metadata = service_metadata(SCHEMA)


def _target_columns(prefix: str) -> list[Column[object]]:
    return [
        Column(f"{prefix}_budget", Integer, nullable=False),
        Column(f"{prefix}_used", Integer, nullable=False),
        Column(f"{prefix}_running_since", UtcDateTime),
        Column(f"{prefix}_met_at", UtcDateTime),
        Column(f"{prefix}_warned_at", UtcDateTime),
        Column(f"{prefix}_breached_at", UtcDateTime),
        # Derived from the columns above, kept for reports and the read API.
        Column(f"{prefix}_due_at", UtcDateTime),
    ]


FINISHED_STATUSES = tuple(sorted(FINISHED))
# The sla service sees statuses, not claims; in intake a ticket leaves ``received`` exactly
# when an agent takes it (a claim opens it; a move or a public reply claims it too).
UNCLAIMED = "received"


def _partial(column: str) -> Index:
    """An index of the rows where ``column`` is set."""
    return Index(
        f"ix_clock_{column}",
        column,
        postgresql_where=Column(column).isnot(None),
        sqlite_where=Column(column).isnot(None),
    )


clock = Table(
    "clock",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("clock_starts_at", UtcDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("category", String(32)),
    Column("complexity", String(16)),
    # When each was last set: events about them may arrive out of order; the latest wins.
    Column("category_set_at", UtcDateTime),
    Column("complexity_set_at", UtcDateTime),
    Column("status", String(32), nullable=False),
    Column("status_changed_at", UtcDateTime, nullable=False),
    Column("paused_at", UtcDateTime),
    # The facts the clocks are derived from: every status change, and the first agent reply.
    Column("status_history", JSON, nullable=False),
    Column("first_reply_at", UtcDateTime),
    *_target_columns("fr"),
    *_target_columns("res"),
    Column("extension_minutes", Integer, nullable=False, server_default="0"),
    # A resolved ticket closes by itself after the policy's business days (clause 18).
    Column("auto_close_at", UtcDateTime),
    Column("auto_close_raised_at", UtcDateTime),
    # The next moment a warning or breach may fall due: the scan reads only rows due by now.
    Column("next_check_at", UtcDateTime),
    Index("ix_clock_received_at", "received_at"),
    # Agents ask for a ticket's clock by its number (SC-000042): no scan of every clock.
    Index("ix_clock_number", "number"),
    # For the ops gauges (services/sla/gauges.py): each reads only the rows it counts.
    Index(
        "ix_clock_open_received_at",
        "received_at",
        postgresql_where=Column("status").not_in(FINISHED_STATUSES),
        sqlite_where=Column("status").not_in(FINISHED_STATUSES),
    ),
    Index(
        "ix_clock_unclaimed_received_at",
        "received_at",
        postgresql_where=Column("status") == UNCLAIMED,
        sqlite_where=Column("status") == UNCLAIMED,
    ),
    *(_partial(f"{p}_{field}") for p in ("fr", "res") for field in ("due_at", "breached_at")),
    Index(
        "ix_clock_next_check_at",
        "next_check_at",
        postgresql_where=Column("next_check_at").isnot(None),
        sqlite_where=Column("next_check_at").isnot(None),
    ),
)

# A senior's review of an escalation has its own target (policy escalation_review_days).
review = Table(
    "review",
    metadata,
    Column("escalation_id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, nullable=False, index=True),
    Column("number", String(32), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("budget", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("business_minutes", Integer),
    Column("warned_at", UtcDateTime),
    Column("breached_at", UtcDateTime),
    Column("next_check_at", UtcDateTime),
    Index(
        "ix_review_next_check_at",
        "next_check_at",
        postgresql_where=Column("next_check_at").isnot(None),
        sqlite_where=Column("next_check_at").isnot(None),
    ),
    Index(
        "ix_review_breached_at",
        "breached_at",
        postgresql_where=Column("breached_at").isnot(None),
        sqlite_where=Column("breached_at").isnot(None),
    ),
)

extension = Table(
    "extension",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, nullable=False, index=True),
    Column("business_days", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("agent_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
)

# Customers' scores of resolutions (ticket.satisfaction_rated), for CSAT beside the SLA
# figures; a reopened ticket resolved again is rated again. Scores only: no words, no names.
rating = Table(
    "rating",
    metadata,
    Column("ticket_id", Uuid, primary_key=True),
    Column("rated_at", UtcDateTime, primary_key=True),
    Column("score", Integer, nullable=False),
)

# Feedback and suggestions received (feedback.received), counted in the reports.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False, index=True),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
revoked_credential = revoked_table(metadata)
