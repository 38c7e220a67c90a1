"""Partial indexes for the ops gauges and the reports.

Revision ID: sla_0003
Revises: sla_0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0003"
down_revision = "sla_0002"
branch_labels = None
depends_on = None

SCHEMA = "sla"

# name, table, column, predicate: the rows each gauge counts (services/sla/gauges.py).
INDEXES = [
    ("ix_clock_open_received_at", "clock", "received_at", "status NOT IN ('closed', 'resolved')"),
    ("ix_clock_unclaimed_received_at", "clock", "received_at", "status = 'received'"),
    ("ix_clock_fr_due_at", "clock", "fr_due_at", "fr_due_at IS NOT NULL"),
    ("ix_clock_fr_breached_at", "clock", "fr_breached_at", "fr_breached_at IS NOT NULL"),
    ("ix_clock_res_due_at", "clock", "res_due_at", "res_due_at IS NOT NULL"),
    ("ix_clock_res_breached_at", "clock", "res_breached_at", "res_breached_at IS NOT NULL"),
    ("ix_review_breached_at", "review", "breached_at", "breached_at IS NOT NULL"),
]


def upgrade() -> None:
    for name, table, column, predicate in INDEXES:
        op.create_index(
            name,
            table,
            [column],
            schema=SCHEMA,
            postgresql_where=sa.text(predicate),
            sqlite_where=sa.text(predicate),
        )


def downgrade() -> None:
    for name, table, _column, _predicate in reversed(INDEXES):
        op.drop_index(name, table_name=table, schema=SCHEMA)
