"""Every exchange and queue of SviftDesk, named and declared in one place.

{prefix}.events               topic exchange; routing key = event type
{prefix}.{consumer}           quorum queue per consuming service, bound to its event types;
                              dead-letters to the parking exchange after the delivery limit
{prefix}.{consumer}.wait.{ms} retry wait queue: its TTL dead-letters back to the consumer queue
{prefix}.parked               direct exchange; routing key = consumer
{prefix}.{consumer}.parked    parking queue that ops inspect and replay (`sviftdesk dlq`)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shared.contracts.consumers import BINDINGS, DEFAULT_PREFIX, EVENTS_EXCHANGE


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more words."""

    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] in ("*", k[0])) and match(p[1:], k[1:])

    return match(pattern.split("."), routing_key.split("."))


@dataclass(frozen=True)
class Topology:
    prefix: str = DEFAULT_PREFIX
    retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000, 300_000)
    delivery_limit: int = 10
    bindings: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(BINDINGS))

    @property
    def exchange(self) -> str:
        return f"{self.prefix}.{EVENTS_EXCHANGE}"

    @property
    def parking_exchange(self) -> str:
        return f"{self.prefix}.parked"

    def queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}"

    def wait_queue(self, consumer: str, delay_ms: int) -> str:
        return f"{self.prefix}.{consumer}.wait.{delay_ms}"

    def parking_queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}.parked"

    def queue_arguments(self, consumer: str) -> dict[str, object]:
        return {
            "x-queue-type": "quorum",
            # Deliberate: RabbitMQ 4 would otherwise drop a message after 20 deliveries.
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.parking_exchange,
            "x-dead-letter-routing-key": consumer,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    def wait_queue_arguments(self, consumer: str, delay_ms: int) -> dict[str, object]:
        return {
            "x-queue-type": "quorum",
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.queue(consumer),
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    def parking_queue_arguments(self) -> dict[str, object]:
        return {"x-queue-type": "quorum"}
