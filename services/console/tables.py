"""Tables of the console (schema ``console``): its sessions, and what it was told to show
agents (notices, the queue's changes). It owns no business data: tickets, clocks and
escalations are read and changed through the other services' APIs."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Uuid

from shared.db import UtcDateTime, service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table
from shared.revocation import revoked_table

SCHEMA = "console"
metadata = service_metadata(SCHEMA)

# A signed-in agent. The cookie holds a random token; only its hash is kept here.
session = Table(
    "session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("credential_id", Uuid, nullable=False),
    Column("role", String(16), nullable=False),
    Column("language", String(2), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_session_credential_id", "credential_id"),
    Index("ix_session_expires_at", "expires_at"),
)

# The nonces of sign-in links already used: each link signs in once.
used_link = Table(
    "used_link",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_used_link_expires_at", "expires_at"),
)

# What the notifier told the console to show a staff member (staff.notified), one row each.
# ``seq`` orders them and lets a live stream ask for what came after the last it sent.
staff_notice = Table(
    "staff_notice",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    # The same on a redelivery of its cause: a notice is kept once.
    Column("notification_id", Uuid, nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("staff_id", Uuid, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("number", String(32), nullable=False),
    Column("escalation_id", Uuid, nullable=True),
    Column("target", String(32), nullable=True),
    Column("due_at", UtcDateTime, nullable=True),
    Column("by_mail", Boolean, nullable=False),
    Column("notified_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    Index("ix_staff_notice_email_seq", "email", "seq"),
    Index("ix_staff_notice_notified_at", "notified_at"),
)

# Whose address a staff token is (staff.registered): notices go to the person, whichever of
# their tokens a session was opened with.
staff_address = Table(
    "staff_address",
    metadata,
    Column("credential_id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_staff_address_expires_at", "expires_at"),
)

# Signals for the live pages, by name ("queue"): a counter bumped on each change, so every
# replica's streams see it, whichever replica consumed the event.
live_signal = Table(
    "live_signal",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
revoked_credential = revoked_table(metadata)
