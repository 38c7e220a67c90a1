"""Revoked staff tokens and partner keys, as credential.revoked reports them.

Revision ID: sla_0005
Revises: sla_0004
Create Date: 2026-11-24
"""

from alembic import op

from shared.migrations import create_revocations

revision = "sla_0005"
down_revision = "sla_0004"
branch_labels = None
depends_on = None

SCHEMA = "sla"


def upgrade() -> None:
    create_revocations(SCHEMA)


def downgrade() -> None:
    op.drop_table("revoked_credential", schema=SCHEMA)
