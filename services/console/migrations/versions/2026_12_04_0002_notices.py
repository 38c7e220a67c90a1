"""The console's notices for staff (staff.notified), staff addresses, live signals.

Revision ID: console_0002
Revises: console_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0002"
down_revision = "console_0001"
branch_labels = None
depends_on = None

SCHEMA = "console"


def upgrade() -> None:
    op.create_table(
        "staff_notice",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=True),
        sa.Column("target", sa.String(32), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("by_mail", sa.Boolean(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_staff_notice"),
        sa.UniqueConstraint("notification_id", name="uq_staff_notice_notification_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_staff_notice_email_seq", "staff_notice", ["email", "seq"], schema=SCHEMA)
    op.create_index("ix_staff_notice_notified_at", "staff_notice", ["notified_at"], schema=SCHEMA)
    op.create_table(
        "staff_address",
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credential_id", name="pk_staff_address"),
        schema=SCHEMA,
    )
    op.create_index("ix_staff_address_expires_at", "staff_address", ["expires_at"], schema=SCHEMA)
    op.create_table(
        "live_signal",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_live_signal"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("live_signal", "staff_address", "staff_notice"):
        op.drop_table(table, schema=SCHEMA)
