"""Customers' ratings and the feedback received, for CSAT and feedback volume in the reports.

Revision ID: sla_0007
Revises: sla_0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0007"
down_revision = "sla_0006"
branch_labels = None
depends_on = None

SCHEMA = "sla"


def upgrade() -> None:
    op.create_table(
        "rating",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "rated_at", name="pk_rating"),
        schema=SCHEMA,
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        schema=SCHEMA,
    )
    op.create_index("ix_feedback_received_at", "feedback", ["received_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_feedback_received_at", table_name="feedback", schema=SCHEMA)
    op.drop_table("feedback", schema=SCHEMA)
    op.drop_table("rating", schema=SCHEMA)
