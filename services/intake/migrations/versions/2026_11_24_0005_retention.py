"""Indexes by which old outbox and inbox rows are purged.

Revision ID: intake_0005
Revises: intake_0004
Create Date: 2026-11-24
"""

from shared.migrations import create_retention_indexes, drop_retention_indexes

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
