"""The index by which remembered Idempotency-Keys are purged after their retention.

Revision ID: intake_0007
Revises: intake_0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_index(
        "ix_idempotency_key_created_at", "idempotency_key", ["created_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_key_created_at", table_name="idempotency_key", schema=SCHEMA)
