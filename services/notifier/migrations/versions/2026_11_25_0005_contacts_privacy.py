"""Contacts and privacy (clauses 19, 24). The customer's consent now travels with each event,
so the contact no longer keeps a copy (it went stale when the customer withdrew it). A contact
erased at the customer's request is marked so: later events for its ticket mail no one.

Revision ID: notifier_0005
Revises: notifier_0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0005"
down_revision = "notifier_0004"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    with op.batch_alter_table("ticket_contact", schema=_alter_schema()) as batch:
        batch.drop_column("share_with_partners")
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_contact", schema=_alter_schema()) as batch:
        batch.drop_column("erased_at")
        batch.add_column(
            sa.Column(
                "share_with_partners", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
