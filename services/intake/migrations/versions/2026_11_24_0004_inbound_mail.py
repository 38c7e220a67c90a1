"""Inbound mail: every message that reached the support address, and what became of it.

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("envelope_sender", sa.String(320), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(320), nullable=True),
        sa.Column("message_id", sa.String(998), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("defects", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], [f"{SCHEMA}.ticket.id"], name="fk_inbound_mail_ticket_id_ticket"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_mail"),
        sa.UniqueConstraint("fingerprint", name="uq_inbound_mail_fingerprint"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_inbound_mail_sender_received_at",
        "inbound_mail",
        ["sender", "received_at"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_inbound_mail_outcome_received_at",
        "inbound_mail",
        ["outcome", "received_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_mail_outcome_received_at", table_name="inbound_mail", schema=SCHEMA)
    op.drop_index("ix_inbound_mail_sender_received_at", table_name="inbound_mail", schema=SCHEMA)
    op.drop_table("inbound_mail", schema=SCHEMA)
