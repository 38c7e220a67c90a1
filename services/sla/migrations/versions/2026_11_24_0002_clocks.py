"""Ticket clocks, escalation reviews and extensions.

Revision ID: sla_0002
Revises: sla_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0002"
down_revision = "sla_0001"
branch_labels = None
depends_on = None

SCHEMA = "sla"


def _target(prefix: str) -> list[sa.Column[object]]:
    return [
        sa.Column(f"{prefix}_budget", sa.Integer(), nullable=False),
        sa.Column(f"{prefix}_used", sa.Integer(), nullable=False),
        sa.Column(f"{prefix}_running_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column(f"{prefix}_met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(f"{prefix}_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(f"{prefix}_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(f"{prefix}_due_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "clock",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("complexity", sa.String(16), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_history", sa.JSON(), nullable=False),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        *_target("fr"),
        *_target("res"),
        sa.Column("extension_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("auto_close_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_close_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_clock"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_clock_next_check_at",
        "clock",
        ["next_check_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
        sqlite_where=sa.text("next_check_at IS NOT NULL"),
    )
    op.create_index("ix_clock_received_at", "clock", ["received_at"], schema=SCHEMA)
    op.create_table(
        "review",
        sa.Column("escalation_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("business_minutes", sa.Integer(), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("escalation_id", name="pk_review"),
        schema=SCHEMA,
    )
    op.create_index("ix_review_ticket_id", "review", ["ticket_id"], schema=SCHEMA)
    op.create_index(
        "ix_review_next_check_at",
        "review",
        ["next_check_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
        sqlite_where=sa.text("next_check_at IS NOT NULL"),
    )
    op.create_table(
        "extension",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("business_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_extension"),
        schema=SCHEMA,
    )
    op.create_index("ix_extension_ticket_id", "extension", ["ticket_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("extension", schema=SCHEMA)
    op.drop_table("review", schema=SCHEMA)
    op.drop_table("clock", schema=SCHEMA)
