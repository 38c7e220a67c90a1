"""Initial notifier tables: delivery, outbox, inbox.

Revision ID: notifier_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_inbox, create_outbox

revision = "notifier_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_delivery"),
        sa.UniqueConstraint(
            "event_id", "channel", "recipient", name="uq_delivery_event_id_channel_recipient"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_delivery_ticket_id", "delivery", ["ticket_id"], schema=SCHEMA)
    op.create_index(
        "ix_delivery_status_next_attempt_at",
        "delivery",
        ["status", "next_attempt_at"],
        schema=SCHEMA,
    )
    create_outbox(SCHEMA)
    create_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("delivery", schema=SCHEMA)
