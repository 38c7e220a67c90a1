"""Feedback and suggestions carry staff's progress: new, read, answered, planned.

Revision ID: intake_0013
Revises: intake_0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0013"
down_revision = "intake_0012"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    # Whatever came in before was never marked: it is new to staff.
    status = sa.Column("status", sa.String(16), nullable=False, server_default="new")
    op.add_column("feedback", status, schema=_alter_schema())
    op.add_column(
        "feedback",
        sa.Column("status_changed_at", sa.DateTime(timezone=True)),
        schema=_alter_schema(),
    )
    op.create_index(
        "ix_feedback_status_created_at",
        "feedback",
        ["status", "created_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_status_created_at", table_name="feedback", schema=SCHEMA)
    with op.batch_alter_table("feedback", schema=_alter_schema()) as batch:
        batch.drop_column("status_changed_at")
        batch.drop_column("status")
