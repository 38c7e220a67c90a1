"""An index on the clock's ticket number: a clock is looked up by SC-… number.

Revision ID: sla_0008
Revises: sla_0007
Create Date: 2026-12-04
"""

from alembic import op

revision = "sla_0008"
down_revision = "sla_0007"
branch_labels = None
depends_on = None

SCHEMA = "sla"


def upgrade() -> None:
    op.create_index("ix_clock_number", "clock", ["number"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_clock_number", table_name="clock", schema=SCHEMA)
