"""What the notifier keeps of each ticket to write to its customer; partner webhooks;
the beta programme.

Revision ID: notifier_0002
Revises: notifier_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0002"
down_revision = "notifier_0001"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.create_table(
        "ticket_contact",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("share_with_partners", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_contact"),
        schema=SCHEMA,
    )
    op.create_table(
        "ticket_stage",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", "at", "status", name="pk_ticket_stage"),
        schema=SCHEMA,
    )
    op.create_table(
        "webhook",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook"),
        schema=SCHEMA,
    )
    op.create_index("ix_webhook_partner_id", "webhook", ["partner_id"], schema=SCHEMA)
    op.create_table(
        "beta_member",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_beta_member"),
        schema=SCHEMA,
    )
    op.create_table(
        "beta_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feature", sa.String(200), nullable=False),
        sa.Column("text_ru", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_beta_invitation"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("beta_invitation", schema=SCHEMA)
    op.drop_table("beta_member", schema=SCHEMA)
    op.drop_table("webhook", schema=SCHEMA)
    op.drop_table("ticket_stage", schema=SCHEMA)
    op.drop_table("ticket_contact", schema=SCHEMA)
