"""Group commit: writes that arrive together are committed together.

Under load most of a small write's cost is the transaction around it (a connection, BEGIN,
COMMIT and its fsync, and the ORM's per-statement work). Callers hand their item to a
``GroupCommit`` and wait; whoever arrives while a batch is committing joins the next one, so a
burst becomes a few multi-row transactions. Each caller still gets its answer only once its
own item has committed, so nothing is acknowledged that could be lost.

A use case's batch runs on a unit of work (``GroupCommit.of_units``): one per batch, committed
once, with no correlation id of its own, since it serves many requests; the use case stages
each item's events with its own request's (``UnitOfWork.stage(..., correlation_id=...)``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.outbox import Outbox
from shared.unit_of_work import UnitOfWork

Item = TypeVar("Item")
Result = TypeVar("Result")

WriteBatch = Callable[[AsyncSession, Sequence[Item]], Awaitable[Sequence[Result]]]
UnitWriteBatch = Callable[[UnitOfWork, Sequence[Item]], Awaitable[Sequence[Result]]]


class GroupCommit(Generic[Item, Result]):
    """Commits items in batches of up to ``max_batch``, one transaction at a time: whatever
    arrives meanwhile makes the next batch. (Two in flight halve the batches and cost more
    CPU per item, and the tail latency under moderate load was worse; SQLite has a single
    writer anyway.)

    ``write`` gets a session inside a transaction and the batch, and returns one result per
    item, in order. If a batch fails, its items are retried one by one, so a bad item fails
    only its own caller (with its own exception) and the others still commit.
    """

    def __init__(
        self,
        db: Database,
        write: WriteBatch[Item, Result],
        *,
        max_batch: int = 64,
    ) -> None:
        self._db, self._write, self._max_batch = db, write, max_batch
        self._waiting: deque[tuple[Item, asyncio.Future[Result]]] = deque()
        self._flushing = False
        self._tasks: set[asyncio.Task[None]] = set()  # held so that they are not collected

    @classmethod
    def of_units(
        cls,
        db: Database,
        outbox: Outbox,
        source: str,
        write: UnitWriteBatch[Item, Result],
        *,
        max_batch: int = 64,
    ) -> GroupCommit[Item, Result]:
        """Batches written by a use case: ``write`` gets one unit of work per batch (the
        batch's transaction, committed once here) and the batch."""

        async def in_unit(session: AsyncSession, items: Sequence[Item]) -> Sequence[Result]:
            return await write(UnitOfWork(session, outbox, source), items)

        return cls(db, in_unit, max_batch=max_batch)

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._flushing:
            # Set here and cleared as the flusher returns, in the same step in which it last
            # saw the queue empty: an item never waits without a flusher to take it.
            self._flushing = True
            task = asyncio.create_task(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Shielded: a caller that goes away (client disconnect) must not cancel a commit that
        # other callers' items share; its item still commits, like a request that raced it.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._waiting:
                size = min(self._max_batch, len(self._waiting))
                await self._commit([self._waiting.popleft() for _ in range(size)])
        finally:
            self._flushing = False

    async def _commit(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            async with self._db.transaction() as session:
                results = await self._write(session, [item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                if not future.done():
                    future.cancel()
            raise
        except Exception as exc:
            if len(batch) > 1:
                for one in batch:
                    await self._commit([one])
                return
            if not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
