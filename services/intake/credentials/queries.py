"""Queries: staff tokens' and partner keys' records, and their revocation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    exists,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    credential,
)
from shared.db import execute_count


async def add_credential(session: AsyncSession, **values: Any) -> None:
    await session.execute(credential.insert().values(**values))


async def credentials(session: AsyncSession) -> Sequence[Row[Any]]:
    return (await session.execute(select(credential).order_by(credential.c.created_at))).all()


async def get_credential(session: AsyncSession, credential_id: uuid.UUID) -> Row[Any] | None:
    query = select(credential).where(credential.c.id == credential_id)
    return (await session.execute(query)).first()


async def active_staff_credential(session: AsyncSession, email: str) -> Row[Any] | None:
    """The newest staff token of this address that is not revoked (sign-in to the console)."""
    query = (
        select(credential)
        .where(
            credential.c.email == email.lower(),
            credential.c.role != "partner",
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def revoke_credential(session: AsyncSession, credential_id: uuid.UUID, at: datetime) -> bool:
    """Revoke a credential; False if there is none such or it already was."""
    statement = (
        update(credential)
        .where(credential.c.id == credential_id, credential.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return await execute_count(session, statement) == 1


async def is_revoked(session: AsyncSession, subject: uuid.UUID) -> bool:
    """True if intake issued this subject's credential and it was revoked since."""
    query = select(exists().where(credential.c.id == subject, credential.c.revoked_at.is_not(None)))
    return bool((await session.execute(query)).scalar_one())
