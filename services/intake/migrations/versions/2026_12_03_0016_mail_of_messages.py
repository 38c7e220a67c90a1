"""Staff reach the raw mail a ticket or a reply came from: each mail names the message it
became on its ticket, and a ticket's mail is found by the ticket.

Revision ID: intake_0016
Revises: intake_0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0016"
down_revision = "intake_0015"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.add_column("inbound_mail", sa.Column("ticket_message_id", sa.Uuid), schema=_alter_schema())
    op.create_index("ix_inbound_mail_ticket_id", "inbound_mail", ["ticket_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_inbound_mail_ticket_id", table_name="inbound_mail", schema=SCHEMA)
    with op.batch_alter_table("inbound_mail", schema=_alter_schema()) as batch:
        batch.drop_column("ticket_message_id")
