"""The event bus: RabbitMQ through aio-pika, or a SQLite file for the embedded default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.contracts.envelope import CloudEvent

Handler = Callable[[CloudEvent], Awaitable[None]]


class BusUnavailableError(RuntimeError):
    """The broker cannot take the event now; the outbox keeps it and the relay tries again."""


@dataclass(frozen=True)
class ParkedEvent:
    """An event a consumer gave up on, with the last error, waiting for ops to replay it."""

    consumer: str
    event: CloudEvent
    error: str


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    """An event already in its CloudEvents JSON form, as the outbox keeps it: published
    as it is, without being parsed and encoded again."""

    id: str
    type: str
    body: bytes


class Bus(Protocol):
    @property
    def connected(self) -> bool: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, event: CloudEvent) -> None:
        """Return only once the broker has taken responsibility for the event."""

    async def publish_encoded(self, event: EncodedEvent) -> None:
        """``publish``, for an event already encoded."""

    async def subscribe(self, consumer: str, event_types: Sequence[str], handler: Handler) -> None:
        """Deliver events of these types to ``handler`` at least once; retry, then park."""

    async def parked(self, consumer: str) -> list[ParkedEvent]: ...

    async def replay(self, consumer: str) -> int: ...

    async def replay_one(self, consumer: str, event_id: str) -> bool:
        """Send one parked event back to its consumer, retries reset; False if not parked."""
