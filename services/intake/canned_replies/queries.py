"""Queries: canned replies (issue 16)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    canned_reply,
)


@dataclass(frozen=True, slots=True)
class CannedReplyRecord:
    """A canned reply, in the table's column order (built with ``*row``)."""

    id: uuid.UUID
    owner_id: uuid.UUID | None  # None: shared
    language: str
    title: str
    body: str
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


async def add_canned_reply(session: AsyncSession, record: CannedReplyRecord) -> None:
    await session.execute(
        canned_reply.insert().values(
            id=record.id,
            owner_id=record.owner_id,
            language=record.language,
            title=record.title,
            body=record.body,
            created_by=record.created_by,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )
    )


async def get_canned_reply(
    session: AsyncSession, reply_id: uuid.UUID, *, for_update: bool = False
) -> CannedReplyRecord | None:
    query = select(canned_reply).where(canned_reply.c.id == reply_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else CannedReplyRecord(*row)


async def canned_replies(
    session: AsyncSession, *, owner_id: uuid.UUID, language: str | None, limit: int
) -> list[CannedReplyRecord]:
    """The shared ones and ``owner_id``'s own, by title."""
    query = select(canned_reply).where(
        or_(canned_reply.c.owner_id.is_(None), canned_reply.c.owner_id == owner_id)
    )
    if language is not None:
        query = query.where(canned_reply.c.language == language)
    query = query.order_by(canned_reply.c.title, canned_reply.c.id).limit(limit)
    return [CannedReplyRecord(*row) for row in await session.execute(query)]


async def update_canned_reply(session: AsyncSession, record: CannedReplyRecord) -> None:
    """Write what may change of a canned reply: its language, title, body and time."""
    await session.execute(
        update(canned_reply)
        .where(canned_reply.c.id == record.id)
        .values(
            language=record.language,
            title=record.title,
            body=record.body,
            updated_at=record.updated_at,
        )
    )


async def delete_canned_reply(session: AsyncSession, reply_id: uuid.UUID) -> None:
    await session.execute(delete(canned_reply).where(canned_reply.c.id == reply_id))
