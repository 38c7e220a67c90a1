"""The registered partner a ticket was handed to (waiting_partner): it may read the ticket
and answer on it (clauses 17, 25).

Revision ID: intake_0012
Revises: intake_0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0012"
down_revision = "intake_0011"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column("ticket", sa.Column("handed_to", sa.Uuid), schema=_alter_schema())


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        batch.drop_column("handed_to")
