"""Revoked staff tokens and partner keys, as the services other than intake learn of them.

Tokens are checked by their signature alone, so that every service can check them without
asking intake; intake, which issues and revokes them, publishes ``credential.revoked``, and
each other service keeps the revoked subjects in its own table (not in memory: replicas share
a queue, so each event reaches one of them) and refuses them (clause 19).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import Column, MetaData, Table, Uuid, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.events import CredentialRevoked
from shared.db import UtcDateTime, insert_ignoring_conflicts
from shared.inbox import EventHandler, HandlersByType, by_event_type
from shared.unit_of_work import UnitOfWork


def revoked_table(metadata: MetaData) -> Table:
    return Table(
        "revoked_credential",
        metadata,
        Column("subject", Uuid, primary_key=True),
        Column("revoked_at", UtcDateTime, nullable=False),
    )


def handlers_by_type(table: Table) -> HandlersByType:
    async def on_revoked(uow: UnitOfWork, payload: CredentialRevoked) -> None:
        await uow.session.execute(
            insert_ignoring_conflicts(
                uow.session,
                table,
                ["subject"],
                subject=payload.credential_id,
                revoked_at=payload.revoked_at,
            )
        )

    return {CredentialRevoked: on_revoked}


def handlers(table: Table) -> Mapping[str, EventHandler]:
    """The same, by event type name, for services still registering that way."""
    return by_event_type(handlers_by_type(table))


async def is_revoked(session: AsyncSession, table: Table, subject: uuid.UUID) -> bool:
    query = select(exists().where(table.c.subject == subject))
    return bool((await session.execute(query)).scalar_one())
