"""Initial sla tables: outbox, inbox.

Revision ID: sla_0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

from shared.migrations import create_inbox, create_outbox

revision = "sla_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "sla"


def upgrade() -> None:
    create_outbox(SCHEMA)
    create_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
