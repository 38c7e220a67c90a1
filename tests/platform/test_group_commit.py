"""Group commit: concurrent writes share transactions, and each caller hears of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.group_commit import GroupCommit

metadata = MetaData()
note = Table("note", metadata, Column("id", Integer, primary_key=True), Column("text", String(20)))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}", "notes")
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


class Writer:
    """Inserts notes; a note reading "bad" breaks the whole statement it is in."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    async def __call__(self, session: AsyncSession, texts: Sequence[str]) -> list[int]:
        self.batches.append(len(texts))
        if "bad" in texts:
            raise ValueError("a bad note")
        result = await session.execute(
            note.insert().returning(note.c.id, sort_by_parameter_order=True),
            [{"text": text} for text in texts],
        )
        return [row.id for row in result]


async def stored(db: Database) -> list[str]:
    async with db.sessions() as session:
        return list((await session.execute(select(note.c.text).order_by(note.c.id))).scalars())


async def test_concurrent_writes_share_transactions_and_each_gets_its_own_answer(
    db: Database,
) -> None:
    writer = Writer()
    commits = GroupCommit(db, writer, max_batch=16)
    texts = [f"note {n}" for n in range(40)]
    ids = await asyncio.gather(*(commits.submit(text) for text in texts))
    assert len(writer.batches) < len(texts)
    assert max(writer.batches) <= 16 and sum(writer.batches) == len(texts)
    async with db.sessions() as session:
        rows = {row.id: row.text for row in await session.execute(select(note.c.id, note.c.text))}
    # Every caller got the id of its own note, not a neighbour's.
    assert [rows[i] for i in ids] == texts


async def test_a_bad_item_fails_only_its_own_caller(db: Database) -> None:
    commits = GroupCommit(db, Writer())
    outcomes = await asyncio.gather(
        *(commits.submit(text) for text in ["one", "bad", "two"]), return_exceptions=True
    )
    assert isinstance(outcomes[1], ValueError)
    assert all(isinstance(outcome, int) for outcome in (outcomes[0], outcomes[2]))
    assert sorted(await stored(db)) == ["one", "two"]


async def test_a_write_arriving_as_a_flush_ends_is_never_stranded(db: Database) -> None:
    commits = GroupCommit(db, Writer())

    async def chain(start: int) -> None:
        # Each answer triggers the next write at once, in the step where the flusher that
        # answered it is finishing.
        for n in range(start, start + 20):
            await commits.submit(f"n{n}")

    async with asyncio.timeout(30):
        await asyncio.gather(chain(0), chain(100), chain(200))
    assert len(await stored(db)) == 60


async def test_a_caller_that_goes_away_does_not_undo_the_others(db: Database) -> None:
    commits = GroupCommit(db, Writer())
    leaving = asyncio.create_task(commits.submit("leaving"))
    staying = asyncio.create_task(commits.submit("staying"))
    await asyncio.sleep(0)
    leaving.cancel()
    assert isinstance(await staying, int)
    with pytest.raises(asyncio.CancelledError):
        await leaving
    # The departed caller's note was already in the batch: it commits, as a request whose
    # client hung up after sending would.
    async with db.sessions() as session:
        count = (await session.execute(select(func.count()).select_from(note))).scalar_one()
    assert count == 2
