"""The registered partner a ticket waits on (clauses 17, 25): it hears of the ticket's events
on its webhooks, as the partner that filed it does.

Revision ID: notifier_0006
Revises: notifier_0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0006"
down_revision = "notifier_0005"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column("ticket_contact", sa.Column("handed_to", sa.Uuid), schema=_alter_schema())


def downgrade() -> None:
    with op.batch_alter_table("ticket_contact", schema=_alter_schema()) as batch:
        batch.drop_column("handed_to")
