"""Staff notices: who is on the staff (staff.registered), what each chose to be told, who
holds each ticket, and when agents hear that a new request still waits.

Revision ID: notifier_0007
Revises: notifier_0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "notifier_0007"
down_revision = "notifier_0006"
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    op.create_table(
        "staff_credential",
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credential_id", name="pk_staff_credential"),
        schema=SCHEMA,
    )
    op.create_index("ix_staff_credential_email", "staff_credential", ["email"], schema=SCHEMA)
    op.create_table(
        "staff_preference",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_staff_preference"),
        schema=SCHEMA,
    )
    schema = _alter_schema()
    op.add_column("ticket_contact", sa.Column("assignee_id", sa.Uuid), schema=schema)
    op.add_column(
        "ticket_contact", sa.Column("waiting_alert_at", sa.DateTime(timezone=True)), schema=schema
    )
    op.create_index(
        "ix_ticket_contact_waiting_alert_at", "ticket_contact", ["waiting_alert_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_contact_waiting_alert_at", "ticket_contact", schema=SCHEMA)
    with op.batch_alter_table("ticket_contact", schema=_alter_schema()) as batch:
        batch.drop_column("waiting_alert_at")
        batch.drop_column("assignee_id")
    op.drop_table("staff_preference", schema=SCHEMA)
    op.drop_index("ix_staff_credential_email", "staff_credential", schema=SCHEMA)
    op.drop_table("staff_credential", schema=SCHEMA)
