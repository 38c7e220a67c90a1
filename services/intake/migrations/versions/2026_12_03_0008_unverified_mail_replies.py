"""A message can be unverified: a mail reply tagged only by its subject, which an agent accepts.

Revision ID: intake_0008
Revises: intake_0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0008"
down_revision = "intake_0007"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column(
        "message",
        sa.Column("unverified", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema=_alter_schema(),
    )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=_alter_schema()) as batch:
        batch.drop_column("unverified")
