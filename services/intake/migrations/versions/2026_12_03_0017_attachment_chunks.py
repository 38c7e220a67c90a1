"""Attachments of real size: their bytes move out of the attachment row into chunks, read one
at a time on download; a mailed part that was refused is listed with the reason.

Revision ID: intake_0017
Revises: intake_0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0017"
down_revision = "intake_0016"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def _table(name: str) -> str:
    schema = _alter_schema()
    return f"{schema}.{name}" if schema else name


def upgrade() -> None:
    op.create_table(
        "attachment_chunk",
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            [f"{SCHEMA}.attachment.id"],
            name="fk_attachment_chunk_attachment_id_attachment",
        ),
        sa.PrimaryKeyConstraint("attachment_id", "seq", name="pk_attachment_chunk"),
        schema=SCHEMA,
    )
    # The small files kept so far become one chunk each.
    op.execute(
        f"INSERT INTO {_table('attachment_chunk')} (attachment_id, seq, data) "
        f"SELECT id, 0, data FROM {_table('attachment')}"
    )
    with op.batch_alter_table("attachment", schema=_alter_schema()) as batch:
        batch.drop_column("data")
        batch.add_column(sa.Column("refused", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachment", schema=_alter_schema()) as batch:
        batch.drop_column("refused")
        batch.add_column(sa.Column("data", sa.LargeBinary(), nullable=False, server_default=""))
    op.drop_table("attachment_chunk", schema=SCHEMA)
