"""Indexes by which old outbox and inbox rows are purged.

Revision ID: escalation_0003
Revises: escalation_0002
Create Date: 2026-11-24
"""

from shared.migrations import create_retention_indexes, drop_retention_indexes

revision = "escalation_0003"
down_revision = "escalation_0002"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
