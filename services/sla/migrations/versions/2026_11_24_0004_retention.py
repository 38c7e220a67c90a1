"""Indexes by which old outbox and inbox rows are purged.

Revision ID: sla_0004
Revises: sla_0003
Create Date: 2026-11-24
"""

from shared.migrations import create_retention_indexes, drop_retention_indexes

revision = "sla_0004"
down_revision = "sla_0003"
branch_labels = None
depends_on = None

SCHEMA = "sla"


def upgrade() -> None:
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    drop_retention_indexes(SCHEMA)
