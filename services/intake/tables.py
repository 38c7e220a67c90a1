"""Tables of the intake service (schema ``intake``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    func,
)

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "intake"
metadata = service_metadata(SCHEMA)

customer = Table(
    "customer",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ticket = Table(
    "ticket",
    metadata,
    # The sequence behind the public number SC-000123; the id is what URLs carry.
    Column("number", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("customer_id", Uuid, ForeignKey("customer.id"), nullable=False, index=True),
    Column("customer_is_new", Boolean, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("category", String(32)),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("access_token_hash", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_ticket_status_received_at", "status", "received_at"),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("scope", String(100), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
