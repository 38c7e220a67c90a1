"""Announce the staff tokens issued before staff.registered existed, and who holds each ticket
still open (ticket.assigned), so that the notifier tells the right people from the upgrade on,
rather than from each person's next token and each ticket's next claim.

Revision ID: intake_0015
Revises: intake_0014
Create Date: 2026-12-03
"""

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from services.intake.domain.tickets import format_number
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import StaffRegistered, StaffRole, TicketAssigned
from shared.db import UtcDateTime
from shared.runtime import event_source
from shared.settings import AuthSettings

revision = "intake_0015"
down_revision = "intake_0014"
branch_labels = None
depends_on = None

SCHEMA = "intake"
# Tokens of the past lived the default lifetime unless set otherwise; one that did live
# longer is left out of "at work" early, until its holder's next token (within a day).
LIFETIME = timedelta(hours=AuthSettings.model_fields["staff_token_hours"].default)


def _tables() -> tuple[sa.TableClause, sa.TableClause, sa.TableClause]:
    # A statement run here is rendered past the engine's schema translation: SQLite has no
    # schema (one file per service).
    schema = None if op.get_bind().dialect.name == "sqlite" else SCHEMA
    credential = sa.table(
        "credential",
        sa.column("id", sa.Uuid),
        sa.column("role", sa.String),
        sa.column("email", sa.String),
        sa.column("created_at", UtcDateTime),
        sa.column("revoked_at", UtcDateTime),
        schema=schema,
    )
    ticket = sa.table(
        "ticket",
        sa.column("id", sa.Uuid),
        sa.column("number", sa.Integer),
        sa.column("status", sa.String),
        sa.column("claimed_by", sa.Uuid),
        sa.column("claimed_at", UtcDateTime),
        schema=schema,
    )
    outbox = sa.table(
        "outbox",
        sa.column("event_id", sa.String),
        sa.column("event_type", sa.String),
        sa.column("envelope", sa.JSON),
        schema=schema,
    )
    return credential, ticket, outbox


def _row(event: CloudEvent) -> dict[str, object]:
    return {
        "event_id": event.id,
        "event_type": event.type,
        "envelope": json.loads(event.model_dump_json()),
    }


def upgrade() -> None:
    credential, ticket, outbox = _tables()
    staff = op.get_bind().execute(
        sa.select(credential.c.id, credential.c.role, credential.c.email, credential.c.created_at)
        .where(
            credential.c.role.in_([role.value for role in StaffRole]),
            credential.c.email.is_not(None),
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at)
    )
    rows = []
    for row in staff:
        event = StaffRegistered(
            credential_id=uuid.UUID(str(row.id)),
            email=row.email,
            role=StaffRole(row.role),
            registered_at=row.created_at,
            expires_at=row.created_at + LIFETIME,
        ).to_event(source=event_source("intake"), subject=str(row.id))
        rows.append(_row(event))
    held = op.get_bind().execute(
        sa.select(ticket.c.id, ticket.c.number, ticket.c.claimed_by, ticket.c.claimed_at)
        .where(
            ticket.c.claimed_by.is_not(None),
            ticket.c.claimed_at.is_not(None),
            ticket.c.status != "closed",
        )
        .order_by(ticket.c.number)
    )
    for row in held:
        ticket_id, holder = uuid.UUID(str(row.id)), uuid.UUID(str(row.claimed_by))
        event = TicketAssigned(
            ticket_id=ticket_id,
            number=format_number(row.number),
            assignee_id=holder,
            previous_assignee_id=None,
            assigned_by=holder,  # as if they took it themselves: nobody is told of a hand-over
            assigned_at=row.claimed_at,
        ).to_event(source=event_source("intake"), subject=str(ticket_id))
        rows.append(_row(event))
    if rows:
        op.bulk_insert(outbox, rows)


def downgrade() -> None:
    pass  # announced is announced
