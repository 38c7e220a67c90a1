"""Queries: staff accounts (passwords) and the staff list the admin pages show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    credential,
)


@dataclass(frozen=True)
class StaffAccountRecord:
    """A staff credential as its owner signs in with it: never a partner key."""

    id: uuid.UUID
    role: str
    email: str
    password_hash: str | None
    password_changed_at: datetime | None
    revoked_at: datetime | None


def _account(row: Row[Any] | None) -> StaffAccountRecord | None:
    if row is None:
        return None
    return StaffAccountRecord(
        id=row.id,
        role=row.role,
        email=row.email,
        password_hash=row.password_hash,
        password_changed_at=row.password_changed_at,
        revoked_at=row.revoked_at,
    )


async def active_staff_account(session: AsyncSession, email: str) -> StaffAccountRecord | None:
    """The account an address signs in to: its newest staff credential not revoked."""
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
    return _account((await session.execute(query)).first())


async def staff_account(
    session: AsyncSession, credential_id: uuid.UUID
) -> StaffAccountRecord | None:
    query = select(credential).where(
        credential.c.id == credential_id,
        credential.c.role != "partner",
        credential.c.email.is_not(None),
    )
    return _account((await session.execute(query)).first())


async def set_password_hash(
    session: AsyncSession, credential_id: uuid.UUID, password_hash: str, changed_at: datetime
) -> None:
    await session.execute(
        update(credential)
        .where(credential.c.id == credential_id)
        .values(password_hash=password_hash, password_changed_at=changed_at)
    )


# -- Staff as the console's admin pages show them (issue 16) ----------------------------------


@dataclass(frozen=True)
class StaffMemberRecord:
    """A staff credential as an admin sees it: never a partner key, never a hash."""

    id: uuid.UUID
    email: str
    name: str | None
    role: str
    created_at: datetime
    revoked_at: datetime | None
    has_password: bool
    password_hash: str | None
    password_changed_at: datetime | None


def _member(row: Row[Any]) -> StaffMemberRecord:
    return StaffMemberRecord(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        has_password=row.password_hash is not None,
        password_hash=row.password_hash,
        password_changed_at=row.password_changed_at,
    )


_STAFF = (credential.c.role != "partner", credential.c.email.is_not(None))


async def staff_members(session: AsyncSession) -> list[StaffMemberRecord]:
    """Every staff credential, those still active first, then the newest first."""
    query = (
        select(credential)
        .where(*_STAFF)
        .order_by(credential.c.revoked_at.is_not(None), credential.c.created_at.desc())
    )
    return [_member(row) for row in (await session.execute(query)).all()]


async def staff_member(session: AsyncSession, credential_id: uuid.UUID) -> StaffMemberRecord | None:
    query = select(credential).where(credential.c.id == credential_id, *_STAFF)
    row = (await session.execute(query)).first()
    return None if row is None else _member(row)
