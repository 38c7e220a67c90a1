"""Whether a customer's address has written to us itself, and each ticket's own name.

Mail about a ticket filed through the anonymous web form quotes none of the submitter's words
until the address has proven itself (by mail); and a ticket shows the name it was filed with,
never the one another filer under the same address gave.

Revision ID: intake_0010
Revises: intake_0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0010"
down_revision = "intake_0009"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    proven_at = sa.Column("proven_at", sa.DateTime(timezone=True))
    op.add_column("customer", proven_at, schema=_alter_schema())
    op.add_column("ticket", sa.Column("customer_name", sa.String(200)), schema=_alter_schema())


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        batch.drop_column("customer_name")
    with op.batch_alter_table("customer", schema=_alter_schema()) as batch:
        batch.drop_column("proven_at")
