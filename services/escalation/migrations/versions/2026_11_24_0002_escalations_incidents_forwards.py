"""Escalations, incidents, bug forwards, and the tickets they refer to.

Revision ID: escalation_0002
Revises: escalation_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0002"
down_revision = "escalation_0001"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def _at(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ticket",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        _at("received_at", nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket"),
        schema=SCHEMA,
    )

    op.create_table(
        "escalation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        _at("opened_at", nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        _at("assigned_at"),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        _at("closed_at"),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalation"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_escalation_status_opened_at", "escalation", ["status", "opened_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_escalation_open_ticket_id",
        "escalation",
        ["ticket_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )

    op.create_table(
        "escalation_reason",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        _at("added_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_reason"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_escalation_reason_escalation_id",
        "escalation_reason",
        ["escalation_id"],
        schema=SCHEMA,
    )

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("declared_by", sa.Uuid(), nullable=False),
        _at("declared_at", nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        _at("resolved_at"),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incident"),
        schema=SCHEMA,
    )
    op.create_index("ix_incident_declared_at", "incident", ["declared_at"], schema=SCHEMA)

    op.create_table(
        "incident_ticket",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        _at("linked_at", nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "ticket_id", name="pk_incident_ticket"),
        schema=SCHEMA,
    )
    op.create_index("ix_incident_ticket_ticket_id", "incident_ticket", ["ticket_id"], schema=SCHEMA)

    op.create_table(
        "incident_update",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("posted_by", sa.Uuid(), nullable=False),
        _at("posted_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_update"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_incident_update_incident_id", "incident_update", ["incident_id"], schema=SCHEMA
    )

    op.create_table(
        "forward",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        _at("requested_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _at("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("sent_at"),
        sa.Column("tracker_reference", sa.String(200), nullable=True),
        sa.Column("release", sa.String(200), nullable=True),
        _at("released_at"),
        sa.PrimaryKeyConstraint("id", name="pk_forward"),
        schema=SCHEMA,
    )
    op.create_index("ix_forward_tracker_reference", "forward", ["tracker_reference"], schema=SCHEMA)
    op.create_index(
        "ix_forward_next_attempt_at",
        "forward",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_index(
        "ix_forward_active_ticket_id",
        "forward",
        ["ticket_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("released_at IS NULL"),
        sqlite_where=sa.text("released_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("forward", schema=SCHEMA)
    op.drop_table("incident_update", schema=SCHEMA)
    op.drop_table("incident_ticket", schema=SCHEMA)
    op.drop_table("incident", schema=SCHEMA)
    op.drop_table("escalation_reason", schema=SCHEMA)
    op.drop_table("escalation", schema=SCHEMA)
    op.drop_table("ticket", schema=SCHEMA)
