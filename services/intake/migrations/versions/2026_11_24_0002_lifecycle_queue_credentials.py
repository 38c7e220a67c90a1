"""The ticket's life: complexity, consent, the work queue, messages, attachments, timeline,
ratings, feedback and issued credentials.

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def _ticket_fk(table: str, column: str = "ticket_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{SCHEMA}.ticket.id"], name=f"fk_{table}_{column}_ticket"
    )


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    columns = [
        sa.Column("complexity", sa.String(16), nullable=True),
        sa.Column("share_with_partners", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("claimed_by", sa.Uuid(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    ]
    for column in columns:
        op.add_column("ticket", column, schema=_alter_schema())
    op.create_index("ix_ticket_partner_id", "ticket", ["partner_id"], schema=SCHEMA)
    op.create_index(
        "ix_ticket_unclaimed",
        "ticket",
        ["received_at", "number"],
        schema=SCHEMA,
        postgresql_where=sa.text("claimed_by IS NULL"),
        sqlite_where=sa.text("claimed_by IS NULL"),
    )

    op.create_table(
        "message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("first_response", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _ticket_fk("message"),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_message_ticket_id_created_at", "message", ["ticket_id", "created_at"], schema=SCHEMA
    )

    op.create_table(
        "attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _ticket_fk("attachment"),
        sa.ForeignKeyConstraint(
            ["message_id"], [f"{SCHEMA}.message.id"], name="fk_attachment_message_id_message"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachment"),
        schema=SCHEMA,
    )
    op.create_index("ix_attachment_ticket_id", "attachment", ["ticket_id"], schema=SCHEMA)

    op.create_table(
        "timeline",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _ticket_fk("timeline"),
        sa.PrimaryKeyConstraint("id", name="pk_timeline"),
        schema=SCHEMA,
    )
    op.create_index("ix_timeline_ticket_id_id", "timeline", ["ticket_id", "id"], schema=SCHEMA)

    op.create_table(
        "rating",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        _ticket_fk("rating"),
        sa.PrimaryKeyConstraint("id", name="pk_rating"),
        sa.UniqueConstraint("ticket_id", "resolved_at", name="uq_rating_ticket_id_resolved_at"),
        schema=SCHEMA,
    )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        schema=SCHEMA,
    )

    op.create_table(
        "credential",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("partner_name", sa.String(200), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credential"),
        sa.UniqueConstraint("token_hash", name="uq_credential_token_hash"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("credential", schema=SCHEMA)
    op.drop_table("feedback", schema=SCHEMA)
    op.drop_table("rating", schema=SCHEMA)
    op.drop_table("timeline", schema=SCHEMA)
    op.drop_table("attachment", schema=SCHEMA)
    op.drop_table("message", schema=SCHEMA)
    op.drop_index("ix_ticket_unclaimed", table_name="ticket", schema=SCHEMA)
    op.drop_index("ix_ticket_partner_id", table_name="ticket", schema=SCHEMA)
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        for column in (
            "resolved_at",
            "first_response_at",
            "claimed_at",
            "claimed_by",
            "partner_id",
            "share_with_partners",
            "complexity",
        ):
            batch.drop_column(column)
