"""The queries of attachments: a file's row, and its bytes in chunks (``attachment_chunk``),
written with the ticket or message it came with and read back one chunk at a time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import attachment, attachment_chunk, message
from shared.db import insert_rows

# An attachment's bytes are written and read in pieces of this size.
CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A stored file (its bytes are in the chunks)."""

    id: uuid.UUID
    ticket_id: uuid.UUID
    message_id: uuid.UUID | None
    filename: str
    content_type: str
    size: int
    created_at: datetime
    refused: str | None


@dataclass(frozen=True, slots=True)
class NewAttachment(AttachmentRecord):
    """A file to store: its row, and its ``content`` (bytes or a spooled file) for the chunks;
    a refused one (a mailed part over ``limit``) has no content."""

    content: bytes | IO[bytes] | None
    limit: int | None


@dataclass(frozen=True, slots=True)
class DownloadRecord:
    """A file as a download needs it: ``internal`` if its message is for staff only (an
    internal note, or a mail reply not yet accepted)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    refused: str | None
    internal: bool | None


_ROW = [f.name for f in fields(AttachmentRecord)]


def _pieces(content: bytes | IO[bytes] | None) -> Iterator[bytes]:
    if content is None:
        return
    if isinstance(content, bytes):
        view = memoryview(content)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    content.seek(0)
    while piece := content.read(CHUNK_BYTES):
        yield piece


async def add(session: AsyncSession, files: Sequence[NewAttachment]) -> None:
    """The attachments' rows, then each one's content in chunks."""
    if not files:
        return
    rows = [{name: getattr(f, name) for name in _ROW} for f in files]
    await insert_rows(session, attachment, rows)
    for f in files:
        for seq, piece in enumerate(_pieces(f.content)):
            await session.execute(
                attachment_chunk.insert().values(attachment_id=f.id, seq=seq, data=piece)
            )


async def of_ticket(session: AsyncSession, ticket_id: uuid.UUID) -> list[AttachmentRecord]:
    """Every file of a ticket, its own and its messages', in the order they came."""
    query = (
        select(attachment)
        .where(attachment.c.ticket_id == ticket_id)
        .order_by(attachment.c.created_at, attachment.c.id)
    )
    return [AttachmentRecord(**row._mapping) for row in await session.execute(query)]


async def of_message(
    session: AsyncSession, ticket_id: uuid.UUID, message_id: uuid.UUID
) -> list[AttachmentRecord]:
    """The files of one message of a ticket, in the order they came."""
    query = (
        select(attachment)
        .where(attachment.c.ticket_id == ticket_id, attachment.c.message_id == message_id)
        .order_by(attachment.c.created_at, attachment.c.id)
    )
    return [AttachmentRecord(**row._mapping) for row in await session.execute(query)]


async def for_download(
    session: AsyncSession, ticket_id: uuid.UUID, attachment_id: uuid.UUID
) -> DownloadRecord | None:
    query = (
        select(
            attachment.c.id,
            attachment.c.filename,
            attachment.c.content_type,
            attachment.c.size,
            attachment.c.refused,
            (message.c.internal | message.c.unverified).label("internal"),
        )
        .outerjoin(message, message.c.id == attachment.c.message_id)
        .where(attachment.c.id == attachment_id, attachment.c.ticket_id == ticket_id)
    )
    row = (await session.execute(query)).first()
    return None if row is None else DownloadRecord(*row)


async def chunk_of(session: AsyncSession, attachment_id: uuid.UUID, seq: int) -> bytes | None:
    query = select(attachment_chunk.c.data).where(
        attachment_chunk.c.attachment_id == attachment_id, attachment_chunk.c.seq == seq
    )
    data = (await session.execute(query)).scalar_one_or_none()
    return None if data is None else bytes(data)
