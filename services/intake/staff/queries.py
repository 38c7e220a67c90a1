"""Queries: staff accounts (passwords) and the staff list the admin pages show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    credential,
)


@dataclass(frozen=True, slots=True)
class StaffAccountRecord:
    """A staff credential as its owner signs in with it: never a partner key."""

    id: uuid.UUID
    role: str
    email: str
    password_hash: str | None
    password_changed_at: datetime | None
    revoked_at: datetime | None


# In StaffAccountRecord's order: a row is built with StaffAccountRecord(*row).
_ACCOUNT = (
    credential.c.id,
    credential.c.role,
    credential.c.email,
    credential.c.password_hash,
    credential.c.password_changed_at,
    credential.c.revoked_at,
)


async def active_staff_account(session: AsyncSession, email: str) -> StaffAccountRecord | None:
    """The account an address signs in to: its newest staff credential not revoked."""
    query = (
        select(*_ACCOUNT)
        .where(
            credential.c.email == email.lower(),
            credential.c.role != "partner",
            credential.c.revoked_at.is_(None),
        )
        .order_by(credential.c.created_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else StaffAccountRecord(*row)


async def staff_account(
    session: AsyncSession, credential_id: uuid.UUID
) -> StaffAccountRecord | None:
    query = select(*_ACCOUNT).where(
        credential.c.id == credential_id,
        credential.c.role != "partner",
        credential.c.email.is_not(None),
    )
    row = (await session.execute(query)).first()
    return None if row is None else StaffAccountRecord(*row)


async def set_password_hash(
    session: AsyncSession, credential_id: uuid.UUID, password_hash: str, changed_at: datetime
) -> None:
    await session.execute(
        update(credential)
        .where(credential.c.id == credential_id)
        .values(password_hash=password_hash, password_changed_at=changed_at)
    )


# -- Staff as the console's admin pages show them (issue 16) ----------------------------------


@dataclass(frozen=True, slots=True)
class StaffMemberRecord:
    """A staff credential as an admin sees it: never a partner key, never a hash."""

    id: uuid.UUID
    email: str
    name: str | None
    role: str
    created_at: datetime
    revoked_at: datetime | None
    password_hash: str | None
    password_changed_at: datetime | None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


# In StaffMemberRecord's order: a row is built with StaffMemberRecord(*row).
_MEMBER = (
    credential.c.id,
    credential.c.email,
    credential.c.name,
    credential.c.role,
    credential.c.created_at,
    credential.c.revoked_at,
    credential.c.password_hash,
    credential.c.password_changed_at,
)


_STAFF = (credential.c.role != "partner", credential.c.email.is_not(None))


async def staff_members(session: AsyncSession) -> list[StaffMemberRecord]:
    """Every staff credential, those still active first, then the newest first."""
    query = (
        select(*_MEMBER)
        .where(*_STAFF)
        .order_by(credential.c.revoked_at.is_not(None), credential.c.created_at.desc())
    )
    return [StaffMemberRecord(*row) for row in await session.execute(query)]


async def staff_member(session: AsyncSession, credential_id: uuid.UUID) -> StaffMemberRecord | None:
    query = select(*_MEMBER).where(credential.c.id == credential_id, *_STAFF)
    row = (await session.execute(query)).first()
    return None if row is None else StaffMemberRecord(*row)
