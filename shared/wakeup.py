"""A poll loop's alarm clock: sleep until poked or until the poll interval has passed."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()
        # Cleared after waking, so a poke that came while working is not lost.
        self._event.clear()


def cancelled() -> bool:
    """True when this task is being cancelled: a loop that catches Exception must stop then,
    since a cancelled database call can surface as some other error."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
