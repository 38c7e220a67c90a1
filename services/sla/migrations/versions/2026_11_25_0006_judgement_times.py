"""When the complexity and the category were last set, so a correction that arrives before an
older one is not undone by it.

Revision ID: sla_0006
Revises: sla_0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "sla_0006"
down_revision = "sla_0005"
branch_labels = None
depends_on = None

SCHEMA = "sla"
COLUMNS = ("complexity_set_at", "category_set_at")


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column(
            "clock", sa.Column(column, sa.DateTime(timezone=True)), schema=_alter_schema()
        )


def downgrade() -> None:
    with op.batch_alter_table("clock", schema=_alter_schema()) as batch:
        for column in COLUMNS:
            batch.drop_column(column)
