"""Queries: canned replies (issue 16)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    canned_reply,
)


@dataclass(frozen=True)
class CannedReplyRecord:
    id: uuid.UUID
    owner_id: uuid.UUID | None  # None: shared
    language: str
    title: str
    body: str
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


def _canned(row: Row[Any]) -> CannedReplyRecord:
    return CannedReplyRecord(**row._asdict())


async def add_canned_reply(session: AsyncSession, **values: Any) -> CannedReplyRecord:
    statement = canned_reply.insert().values(**values).returning(*canned_reply.c)
    return _canned((await session.execute(statement)).one())


async def get_canned_reply(
    session: AsyncSession, reply_id: uuid.UUID, *, for_update: bool = False
) -> CannedReplyRecord | None:
    query = select(canned_reply).where(canned_reply.c.id == reply_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else _canned(row)


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
    return [_canned(row) for row in (await session.execute(query)).all()]


async def update_canned_reply(
    session: AsyncSession, reply_id: uuid.UUID, **values: Any
) -> CannedReplyRecord:
    statement = (
        update(canned_reply)
        .where(canned_reply.c.id == reply_id)
        .values(**values)
        .returning(*canned_reply.c)
    )
    return _canned((await session.execute(statement)).one())


async def delete_canned_reply(session: AsyncSession, reply_id: uuid.UUID) -> None:
    await session.execute(delete(canned_reply).where(canned_reply.c.id == reply_id))
