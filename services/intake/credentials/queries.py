"""Queries: staff tokens' and partner keys' records, and their revocation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    exists,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    credential,
)
from shared.db import execute_count


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """A staff token or partner key as intake keeps it, without its hash or password."""

    id: uuid.UUID
    role: str
    email: str | None
    name: str | None
    partner_name: str | None
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


# In CredentialRecord's order: a row is built with CredentialRecord(*row).
_RECORD = (
    credential.c.id,
    credential.c.role,
    credential.c.email,
    credential.c.name,
    credential.c.partner_name,
    credential.c.scopes,
    credential.c.created_at,
    credential.c.revoked_at,
)


async def add_credential(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    role: str,
    email: str | None,
    name: str | None,
    partner_name: str | None,
    scopes: Sequence[str],
    token_hash: str,
    created_at: datetime,
    password_hash: str | None = None,
    password_changed_at: datetime | None = None,
) -> None:
    await session.execute(
        credential.insert().values(
            id=id,
            role=role,
            email=email,
            name=name,
            partner_name=partner_name,
            scopes=list(scopes),
            token_hash=token_hash,
            created_at=created_at,
            password_hash=password_hash,
            password_changed_at=password_changed_at,
        )
    )


async def credentials(session: AsyncSession) -> list[CredentialRecord]:
    query = select(*_RECORD).order_by(credential.c.created_at)
    return [CredentialRecord(*row) for row in await session.execute(query)]


async def get_credential(
    session: AsyncSession, credential_id: uuid.UUID
) -> CredentialRecord | None:
    query = select(*_RECORD).where(credential.c.id == credential_id)
    row = (await session.execute(query)).first()
    return None if row is None else CredentialRecord(*row)


async def active_staff_credential(session: AsyncSession, email: str) -> CredentialRecord | None:
    """The newest staff token of this address that is not revoked (sign-in to the console)."""
    query = (
        select(*_RECORD)
        .where(
            credential.c.email == email.lower(),
            credential.c.role != "partner",
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else CredentialRecord(*row)


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
