"""How sure the words were of the category they gave a ticket (clause 18); NULL when the
customer chose it or an agent corrected it.

Revision ID: intake_0009
Revises: intake_0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0009"
down_revision = "intake_0008"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        batch.add_column(sa.Column("category_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        batch.drop_column("category_confidence")
