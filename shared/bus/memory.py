"""The in-memory bus of the embedded default: at-least-once, retries with delay, then parking.

Durability comes from the outbox: an event leaves a service's outbox only once this bus has
queued it, and a failed handler is retried exactly as on RabbitMQ.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from shared.bus import EncodedEvent, Handler, ParkedEvent
from shared.bus.topology import Topology, topic_matches
from shared.contracts.envelope import CloudEvent
from shared.logging import describe_error
from shared.wakeup import cancelled

log = structlog.get_logger(__name__)


@dataclass
class _Subscription:
    consumer: str
    patterns: Sequence[str]
    handler: Handler
    queue: asyncio.Queue[tuple[CloudEvent, int]] = field(default_factory=asyncio.Queue)
    workers: list[asyncio.Task[None]] = field(default_factory=list)


class InMemoryBus:
    def __init__(self, topology: Topology | None = None, *, concurrency: int = 8) -> None:
        self.topology = topology or Topology()
        self._concurrency = concurrency
        self._subscriptions: list[_Subscription] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._parked: dict[str, list[ParkedEvent]] = {}
        self._started = False

    @property
    def connected(self) -> bool:
        return self._started

    async def start(self) -> None:
        self._started = True

    async def close(self) -> None:
        self._started = False
        for timer in self._timers:
            timer.cancel()
        for sub in self._subscriptions:
            for worker in sub.workers:
                worker.cancel()
            for worker in sub.workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            sub.workers.clear()

    async def publish(self, event: CloudEvent) -> None:
        # Like the topology on RabbitMQ: a bound consumer gets the event even if it is not
        # consuming yet, because the queue exists from the start.
        for consumer, event_types in self.topology.bindings.items():
            if any(topic_matches(pattern, event.type) for pattern in event_types):
                self._queue_for(consumer).put_nowait((event, 0))

    async def publish_encoded(self, event: EncodedEvent) -> None:
        await self.publish(CloudEvent.model_validate_json(event.body))

    async def subscribe(self, consumer: str, event_types: Sequence[str], handler: Handler) -> None:
        sub = self._subscription(consumer)
        sub.patterns, sub.handler = event_types, handler
        for n in range(self._concurrency):
            sub.workers.append(asyncio.create_task(self._work(sub), name=f"bus-{consumer}-{n}"))

    def _subscription(self, consumer: str) -> _Subscription:
        for sub in self._subscriptions:
            if sub.consumer == consumer:
                return sub
        sub = _Subscription(consumer, (), _unsubscribed)
        self._subscriptions.append(sub)
        return sub

    def _queue_for(self, consumer: str) -> asyncio.Queue[tuple[CloudEvent, int]]:
        return self._subscription(consumer).queue

    async def _work(self, sub: _Subscription) -> None:
        while True:
            event, attempt = await sub.queue.get()
            try:
                await sub.handler(event)
            except Exception as exc:
                self._retry_or_park(sub, event, attempt + 1, exc)
                if cancelled():
                    raise
            finally:
                sub.queue.task_done()

    def _retry_or_park(
        self, sub: _Subscription, event: CloudEvent, attempt: int, exc: Exception
    ) -> None:
        delays = self.topology.retry_delays_ms
        if attempt <= len(delays):
            log.warning(
                "event.retry", consumer=sub.consumer, attempt=attempt, error=describe_error(exc)
            )
            loop = asyncio.get_running_loop()
            timer: asyncio.TimerHandle | None = None

            def requeue() -> None:
                assert timer is not None
                self._timers.discard(timer)
                sub.queue.put_nowait((event, attempt))

            timer = loop.call_later(delays[attempt - 1] / 1000, requeue)
            self._timers.add(timer)
        else:
            log.error(
                "event.parked",
                consumer=sub.consumer,
                attempts=attempt,
                error=describe_error(exc),
            )
            error = f"{type(exc).__name__}: {exc}"
            self._parked.setdefault(sub.consumer, []).append(
                ParkedEvent(sub.consumer, event, error)
            )

    async def parked(self, consumer: str) -> list[ParkedEvent]:
        return list(self._parked.get(consumer, []))

    async def replay(self, consumer: str) -> int:
        events = self._parked.pop(consumer, [])
        for parked in events:
            self._queue_for(consumer).put_nowait((parked.event, 0))
        return len(events)

    async def idle(self) -> None:
        """Wait until every queued event has been handled (pending retries aside)."""
        for sub in self._subscriptions:
            await sub.queue.join()


async def _unsubscribed(event: CloudEvent) -> None:
    raise RuntimeError(f"no handler subscribed for {event.type}")
