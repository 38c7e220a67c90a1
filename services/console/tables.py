"""Tables of the console (schema ``console``): its sessions only. It owns no business data:
tickets, clocks and escalations are read and changed through the other services' APIs."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Uuid

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

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
revoked_credential = revoked_table(metadata)
