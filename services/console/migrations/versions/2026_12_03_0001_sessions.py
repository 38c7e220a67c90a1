"""The console's tables: sessions, used sign-in links; outbox, inbox, revoked credentials.

Revision ID: console_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import (
    create_inbox,
    create_outbox,
    create_retention_indexes,
    create_revocations,
)

revision = "console_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "console"


def upgrade() -> None:
    create_outbox(SCHEMA)
    create_inbox(SCHEMA)
    create_retention_indexes(SCHEMA)
    create_revocations(SCHEMA)
    op.create_table(
        "session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_session"),
        schema=SCHEMA,
    )
    op.create_index("ix_session_credential_id", "session", ["credential_id"], schema=SCHEMA)
    op.create_index("ix_session_expires_at", "session", ["expires_at"], schema=SCHEMA)
    op.create_table(
        "used_link",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name="pk_used_link"),
        schema=SCHEMA,
    )
    op.create_index("ix_used_link_expires_at", "used_link", ["expires_at"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("used_link", "session", "revoked_credential", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
