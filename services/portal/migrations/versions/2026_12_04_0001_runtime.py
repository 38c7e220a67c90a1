"""The portal's tables: the runtime's outbox and inbox only.

Revision ID: portal_0001
Revises:
Create Date: 2026-12-04
"""

from alembic import op

from shared.migrations import create_inbox, create_outbox, create_retention_indexes

revision = "portal_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "portal"


def upgrade() -> None:
    create_outbox(SCHEMA)
    create_inbox(SCHEMA)
    create_retention_indexes(SCHEMA)


def downgrade() -> None:
    for table in ("inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
