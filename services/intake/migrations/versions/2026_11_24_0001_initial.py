"""Initial intake tables: customer, ticket, idempotency_key, outbox, inbox.

Revision ID: intake_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_inbox, create_outbox

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_customer"),
        sa.UniqueConstraint("email", name="uq_customer_email"),
        schema=SCHEMA,
    )
    op.create_table(
        "ticket",
        sa.Column(
            "number",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("customer_is_new", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("access_token_hash", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], [f"{SCHEMA}.customer.id"], name="fk_ticket_customer_id_customer"
        ),
        sa.PrimaryKeyConstraint("number", name="pk_ticket"),
        sa.UniqueConstraint("id", name="uq_ticket_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_ticket_customer_id", "ticket", ["customer_id"], schema=SCHEMA)
    op.create_index(
        "ix_ticket_status_received_at", "ticket", ["status", "received_at"], schema=SCHEMA
    )
    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", "scope", name="pk_idempotency_key"),
        schema=SCHEMA,
    )
    create_outbox(SCHEMA)
    create_inbox(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("idempotency_key", schema=SCHEMA)
    op.drop_table("ticket", schema=SCHEMA)
    op.drop_table("customer", schema=SCHEMA)
