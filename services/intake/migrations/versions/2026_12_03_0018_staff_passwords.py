"""Staff passwords: an argon2id hash beside the staff credential it signs in (issue 16), and
when it was last set.

Revision ID: intake_0018
Revises: intake_0017
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "intake_0018"
down_revision = "intake_0017"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column("credential", sa.Column("password_hash", sa.String(200)), schema=_alter_schema())
    op.add_column(
        "credential", sa.Column("password_changed_at", UtcDateTime()), schema=_alter_schema()
    )


def downgrade() -> None:
    with op.batch_alter_table("credential", schema=_alter_schema()) as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("password_hash")
