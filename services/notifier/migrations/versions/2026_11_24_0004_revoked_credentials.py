"""Revoked staff tokens and partner keys, as credential.revoked reports them.

Revision ID: notifier_0004
Revises: notifier_0003
Create Date: 2026-11-24
"""

from alembic import op

from shared.migrations import create_revocations

revision = "notifier_0004"
down_revision = "notifier_0003"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    create_revocations(SCHEMA)


def downgrade() -> None:
    op.drop_table("revoked_credential", schema=SCHEMA)
