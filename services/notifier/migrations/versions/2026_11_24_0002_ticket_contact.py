"""What the notifier keeps of each ticket to write to its customer.

Revision ID: notifier_0002
Revises: notifier_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0002"
down_revision = "notifier_0001"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.create_table(
        "ticket_contact",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_contact"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("ticket_contact", schema=SCHEMA)
