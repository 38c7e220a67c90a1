"""The scan that raises warnings and breaches within seconds of their moment.

No in-memory timer is the source of truth: each clock's next check time lives in its row, and
every replica's scan takes due rows with SKIP LOCKED, so each alert is raised exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.sla.clocks import SlaClocks
from shared.runtime import ServiceRuntime
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

SCAN_INTERVAL_SECONDS = 2.0


class BreachScanner:
    def __init__(self, runtime: ServiceRuntime, clocks: SlaClocks) -> None:
        self._runtime, self._clocks = runtime, clocks
        self._wakeup = Wakeup()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                checked = await self.tick()
            except Exception:
                if cancelled():
                    raise
                log.exception("sla.scan_failed")
                checked = 0
            if checked == 0:
                await self._wakeup.wait(SCAN_INTERVAL_SECONDS)

    async def tick(self, now: datetime | None = None) -> int:
        async with self._runtime.unit_of_work() as uow:
            return await self._clocks.scan(uow, now or datetime.now(UTC), lock=uow.locks_rows)
