"""The live console: one server-sent events stream per open page, pushing the agent's new
notices and a "queue changed" signal.

Each event is consumed by one console replica, but an agent's page may be streamed by any:
so every replica watches its database, not its own consumer. One cheap poll per replica
(``Mark``: the newest notice, the queue's version) every POLL_SECONDS, and at once when this
replica stores a change itself (the commit hook); the streams wait on the hub, never poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

from services.console import notices
from services.console.notices import Mark, Notice
from shared.db import Database
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
# The browser reconnects after this (EventSource's retry), and after a stream's lifetime:
# a stream is ended now and then so a proxy's idle or total timeout never cuts it midway.
RETRY_MILLISECONDS = 3000
STREAM_SECONDS = 30 * 60.0


class LiveHub:
    """A replica's watch on its database for its live streams."""

    def __init__(self, db: Database, poll_seconds: float = POLL_SECONDS) -> None:
        self._db, self._poll_seconds = db, poll_seconds
        self._wakeup = Wakeup()
        self._changed = asyncio.Event()
        self.mark = Mark(0, 0)
        # Set when the server stops: every stream ends by itself, so none holds shutdown up.
        self.closing = asyncio.Event()
        db.on_commit(notices.LIVE, self._wakeup.set)

    async def run(self) -> None:
        while not self.closing.is_set():
            try:
                mark = await notices.mark(self._db)
                if mark != self.mark:
                    self.mark = mark
                    self._announce()
            except Exception:
                if cancelled():
                    raise
                log.exception("console.live_poll_failed")
            await self._wakeup.wait(self._poll_seconds)

    def close(self) -> None:
        self.closing.set()
        self._announce()

    def _announce(self) -> None:
        # A fresh event for the next change: every stream waiting now is woken exactly once.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def changed(self, seconds: float) -> None:
        """Until the next change or ``seconds``, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._changed.wait()


def _event(name: str, data: object, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def stream(
    hub: LiveHub,
    db: Database,
    credential_id: uuid.UUID,
    describe: Callable[[Notice], dict[str, str]],
    *,
    signed_in: Callable[[], Awaitable[bool]] | None = None,
    last_seq: int | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    lifetime_seconds: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The agent's stream: ``unread`` (the count) at once, then ``notice`` for each new one
    (``describe`` gives its words and link) and ``queue`` when the queue changed; a comment
    every ``heartbeat_seconds`` so a dead connection is found and proxies keep it open.
    ``last_seq``: the last notice the browser got (Last-Event-ID), so none is lost between
    two connections. ``signed_in`` is asked at each heartbeat: a session that ended (signed
    out, expired, revoked) ends its stream, and the browser's reconnection finds the door shut."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + lifetime_seconds
    # Where the database stands now, not where the hub last looked: a page opened just after
    # a notice came must not be told of it again as new.
    now = await notices.mark(db)
    seq = now.seq if last_seq is None else last_seq
    queue = now.queue
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    yield _event("unread", {"count": await notices.unread(db, credential_id)})
    quiet_since = loop.time()
    while not hub.closing.is_set() and loop.time() < ends_at:
        await hub.changed(min(heartbeat_seconds, max(ends_at - loop.time(), 0)))
        if hub.closing.is_set():
            break
        sent = False
        if hub.mark.seq > seq:
            newest = hub.mark.seq
            fresh = await notices.after(db, credential_id, seq)
            seq = max([newest, *(notice.seq for notice in fresh)])
            if fresh:
                count = await notices.unread(db, credential_id)
                for notice in fresh:
                    yield _event("notice", {**describe(notice), "unread": count}, notice.seq)
                sent = True
        if hub.mark.queue != queue:
            queue = hub.mark.queue
            yield _event("queue", {"version": queue})
            sent = True
        if sent:
            quiet_since = loop.time()
        elif loop.time() - quiet_since >= heartbeat_seconds:
            if signed_in is not None and not await signed_in():
                break
            yield ": heartbeat\n\n"
            quiet_since = loop.time()
