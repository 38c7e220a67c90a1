"""Indexes by which old outbox and inbox rows are purged.

Revision ID: notifier_0003
Revises: notifier_0002
Create Date: 2026-11-24
"""

from shared.migrations import create_retention_indexes, drop_retention_indexes

revision = "notifier_0003"
down_revision = "notifier_0002"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
