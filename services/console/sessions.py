"""Console sessions: made from a one-time sign-in link, kept server-side, ended on sign-out,
at their expiry, or when the agent's token is revoked."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.console import tables
from shared import revocation
from shared.auth import Role, token_hash
from shared.db import Database, execute_count, insert_ignoring_conflicts
from shared.signin import SignInGrant


@dataclass(frozen=True)
class AgentSession:
    """A signed-in agent: who they are at the other services, and their page language."""

    credential_id: uuid.UUID
    role: Role
    language: str
    csrf_token: str
    expires_at: datetime


class LinkRefusedError(Exception):
    """A sign-in link that is expired, used, or its agent revoked; the message says which."""


async def start(
    db: Database, grant: SignInGrant, *, language: str, hours: float
) -> tuple[str, AgentSession]:
    """Use the link (once) and open a session; the cookie's token and the session."""
    now = datetime.now(UTC)
    if grant.expires_at <= now:
        raise LinkRefusedError("expired")
    cookie = secrets.token_urlsafe(32)
    agent = AgentSession(
        grant.credential_id,
        grant.role,
        language,
        secrets.token_urlsafe(32),
        now + timedelta(hours=hours),
    )
    async with db.transaction() as session:
        if await revocation.is_revoked(session, tables.revoked_credential, grant.credential_id):
            raise LinkRefusedError("revoked")
        fresh = insert_ignoring_conflicts(
            session, tables.used_link, ["nonce"], nonce=grant.nonce, expires_at=grant.expires_at
        )
        if await execute_count(session, fresh) != 1:
            raise LinkRefusedError("used")
        await session.execute(
            tables.session.insert().values(
                token_hash=token_hash(cookie),
                credential_id=agent.credential_id,
                role=agent.role.value,
                language=language,
                csrf_token=agent.csrf_token,
                created_at=now,
                expires_at=agent.expires_at,
            )
        )
    return cookie, agent


async def find(db: Database, cookie: str) -> AgentSession | None:
    """The live session behind a cookie; None once it ended, expired or its agent was revoked."""
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(tables.session).where(tables.session.c.token_hash == token_hash(cookie))
            )
        ).first()
        if row is None or row.expires_at <= datetime.now(UTC):
            return None
        if await revocation.is_revoked(session, tables.revoked_credential, row.credential_id):
            return None
    return AgentSession(
        row.credential_id, Role(row.role), row.language, row.csrf_token, row.expires_at
    )


async def end(db: Database, cookie: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            delete(tables.session).where(tables.session.c.token_hash == token_hash(cookie))
        )


async def end_all_of(session: AsyncSession, credential_id: uuid.UUID) -> None:
    """Every session of this agent, in the caller's transaction (their token was revoked)."""
    await session.execute(
        delete(tables.session).where(tables.session.c.credential_id == credential_id)
    )


async def set_language(db: Database, cookie: str, language: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            tables.session.update()
            .where(tables.session.c.token_hash == token_hash(cookie))
            .values(language=language)
        )


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Sessions and used links past their expiry: nothing needs them any more."""
    ended = await execute_count(
        session, delete(tables.session).where(tables.session.c.expires_at < now)
    )
    used = await execute_count(
        session, delete(tables.used_link).where(tables.used_link.c.expires_at < now)
    )
    return ended + used


async def end_others(db: Database, credential_id: uuid.UUID, cookie: str) -> int:
    """Every other session of this agent (their password changed): how many ended."""
    async with db.transaction() as session:
        return await execute_count(
            session,
            delete(tables.session).where(
                tables.session.c.credential_id == credential_id,
                tables.session.c.token_hash != token_hash(cookie),
            ),
        )
