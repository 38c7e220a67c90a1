"""Staff names: the name an admin gives when inviting a staff member (issue 16, the
console's admin pages).

Revision ID: intake_0019
Revises: intake_0018
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0019"
down_revision = "intake_0018"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column("credential", sa.Column("name", sa.String(200)), schema=_alter_schema())


def downgrade() -> None:
    with op.batch_alter_table("credential", schema=_alter_schema()) as batch:
        batch.drop_column("name")
