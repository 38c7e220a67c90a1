"""The RabbitMQ bus (aio-pika): confirmed publishes, quorum queues, retries, then parking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)
from aio_pika.connection import make_url
from aiormq import spec

from shared.bus import BusUnavailableError, EncodedEvent, Handler, ParkedEvent
from shared.bus.topology import Topology
from shared.contracts.envelope import CloudEvent
from shared.logging import describe_error

log = structlog.get_logger(__name__)

ATTEMPT_HEADER = "x-sviftdesk-attempt"
ERROR_HEADER = "x-sviftdesk-error"


CONTENT_TYPE = "application/cloudevents+json"
CONNECT_TIMEOUT_SECONDS = 10.0
CLOSE_TIMEOUT_SECONDS = 5.0
PERSISTENT = int(aio_pika.DeliveryMode.PERSISTENT)


def to_message(event: CloudEvent) -> aio_pika.Message:
    return aio_pika.Message(
        body=event.model_dump_json().encode(),
        content_type=CONTENT_TYPE,
        message_id=event.id,
        type=event.type,
        correlation_id=event.correlationid,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class RabbitBus:
    """Connects in the background and keeps reconnecting, so a service starts while the broker
    is down; publishing then fails fast and the outbox keeps the event."""

    def __init__(self, url: str, topology: Topology, *, prefetch: int = 32) -> None:
        self._url = url
        self.topology = topology
        self._prefetch = prefetch
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._ready = asyncio.Event()
        self._connector: asyncio.Task[None] | None = None
        self._subscriptions: list[tuple[str, Handler]] = []

    @property
    def connected(self) -> bool:
        return (
            self._ready.is_set()
            and self._connection is not None
            and not self._connection.is_closed
            and self._channel is not None
            and not self._channel.is_closed
        )

    async def start(self) -> None:
        if self._connector is None:
            self._connector = asyncio.create_task(self._connect_forever(), name="amqp-connect")

    async def wait_connected(self) -> None:
        await self._ready.wait()

    async def _connect_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connect_once()
                return
            except (OSError, aio_pika.exceptions.AMQPError) as exc:
                # Also when the broker refuses a declaration: RabbitMQ can do that while
                # another service declares the same queue at the same moment on first boot.
                log.warning("amqp.connect_failed", error=str(exc), retry_in=delay)
                if self._connection is not None:
                    with contextlib.suppress(Exception):
                        await self._connection.close()
                    self._connection = self._channel = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _connect_once(self) -> None:
        # Built before connecting and kept, so that close() can stop its reconnect task even
        # mid-handshake; the timeout turns a broker that never answers into a retry here.
        self._connection = aio_pika.RobustConnection(make_url(self._url, reconnect_interval=1.0))
        await self._connection.connect(timeout=CONNECT_TIMEOUT_SECONDS)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=self._prefetch)
        await declare_topology(self._channel, self.topology)
        for consumer, handler in self._subscriptions:
            await self._consume(consumer, handler)
        self._ready.set()
        log.info("amqp.connected")

    async def close(self) -> None:
        """Bounded: a broker that accepts connections and never answers must not keep a
        stopping process alive (aio-pika's robust connect can swallow a cancellation)."""
        self._ready.clear()
        if self._connector is not None:
            self._connector.cancel()
            await asyncio.wait([self._connector], timeout=CLOSE_TIMEOUT_SECONDS)
        if self._connection is not None:
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                    await self._connection.close()
            except TimeoutError:
                log.warning("amqp.close_timed_out")

    async def publish(self, event: CloudEvent) -> None:
        await self.publish_encoded(
            EncodedEvent(event.id, event.type, event.model_dump_json().encode())
        )

    async def publish_encoded(self, event: EncodedEvent) -> None:
        if not self.connected or self._channel is None:
            raise BusUnavailableError("not connected to RabbitMQ")
        properties = spec.Basic.Properties(
            content_type=CONTENT_TYPE,
            message_id=event.id,
            message_type=event.type,
            delivery_mode=PERSISTENT,
        )
        try:
            # Straight to aiormq: aio-pika's Message and its properties cost more than the
            # publish itself. Not mandatory: an event no queue is bound to is not wanted (the
            # topology binds every consumer), and tracking returns costs about half a publish.
            channel = await self._channel.get_underlay_channel()
            await channel.basic_publish(
                event.body,
                exchange=self.topology.exchange,
                routing_key=event.type,
                properties=properties,
                mandatory=False,
                timeout=10,
            )
        except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
            raise BusUnavailableError(f"RabbitMQ did not confirm: {exc!r}") from exc

    async def subscribe(self, consumer: str, event_types: Sequence[str], handler: Handler) -> None:
        declared = set(self.topology.bindings.get(consumer, ()))
        if not set(event_types) <= declared:
            raise ValueError(
                f"{consumer} handles {sorted(set(event_types) - declared)} "
                "which shared.contracts.consumers.BINDINGS does not bind"
            )
        self._subscriptions.append((consumer, handler))
        if self._ready.is_set():
            await self._consume(consumer, handler)

    async def _consume(self, consumer: str, handler: Handler) -> None:
        assert self._channel is not None
        # Declared (not just looked up) so the robust channel restores the consumer on reconnect.
        queue = await self._channel.declare_queue(
            self.topology.queue(consumer),
            durable=True,
            arguments=self.topology.queue_arguments(consumer),
        )

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._deliver(consumer, handler, message)

        await queue.consume(on_message)

    async def _deliver(
        self, consumer: str, handler: Handler, message: AbstractIncomingMessage
    ) -> None:
        try:
            event = CloudEvent.model_validate_json(message.body)
        except ValueError as exc:
            # Not ours to retry: reject straight to the parking queue for a person to read.
            log.error("amqp.undecodable", consumer=consumer, error=describe_error(exc))
            await message.reject(requeue=False)
            return
        try:
            await handler(event)
        except Exception as exc:
            await self._retry_or_park(consumer, message, exc)
            return
        await message.ack()

    async def _retry_or_park(
        self, consumer: str, message: AbstractIncomingMessage, exc: Exception
    ) -> None:
        assert self._channel is not None
        headers = dict(message.headers or {})
        attempt = int(str(headers.get(ATTEMPT_HEADER, 0))) + 1
        headers[ATTEMPT_HEADER] = attempt
        headers[ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:500]
        delays = self.topology.retry_delays_ms
        retry = aio_pika.Message(
            body=message.body,
            content_type=message.content_type,
            message_id=message.message_id,
            type=message.type,
            correlation_id=message.correlation_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers,
        )
        if attempt <= len(delays):
            target, routing_key = "", self.topology.wait_queue(consumer, delays[attempt - 1])
            log.warning(
                "event.retry", consumer=consumer, attempt=attempt, error=describe_error(exc)
            )
        else:
            target, routing_key = self.topology.parking_exchange, consumer
            log.error(
                "event.parked", consumer=consumer, attempts=attempt, error=describe_error(exc)
            )
        try:
            exchange = (
                self._channel.default_exchange
                if target == ""
                else await self._channel.get_exchange(target, ensure=False)
            )
            await exchange.publish(retry, routing_key=routing_key, timeout=10)
        except Exception:
            # The retry copy was not confirmed: leave the original with the broker.
            await message.nack(requeue=True)
            raise
        await message.ack()

    async def parked(self, consumer: str) -> list[ParkedEvent]:
        """Read the parking queue without consuming it."""
        return await self._drain_parked(consumer, replay=False)

    async def replay(self, consumer: str) -> int:
        """Send every parked event of ``consumer`` back to its queue, attempts reset."""
        return len(await self._drain_parked(consumer, replay=True))

    async def replay_one(self, consumer: str, event_id: str) -> bool:
        """Send the parked event of this id back to its queue; the others stay parked."""
        return bool(await self._drain_parked(consumer, replay=True, only=event_id))

    async def _drain_parked(
        self, consumer: str, *, replay: bool, only: str | None = None
    ) -> list[ParkedEvent]:
        """Every parked event (or only the one of id ``only``): sent back to the consumer's
        queue if ``replay``; the rest returned to the parking queue."""
        assert self._channel is not None
        queue = await self._channel.get_queue(self.topology.parking_queue(consumer), ensure=False)
        seen: list[tuple[AbstractIncomingMessage, ParkedEvent]] = []
        while (message := await queue.get(fail=False, no_ack=False)) is not None:
            headers = message.headers or {}
            event = CloudEvent.model_validate_json(message.body)
            seen.append((message, ParkedEvent(consumer, event, str(headers.get(ERROR_HEADER)))))
        chosen: list[ParkedEvent] = []
        for message, parked in seen:
            if replay and only in (None, parked.event.id):
                chosen.append(parked)
                await self._channel.default_exchange.publish(
                    to_message(parked.event), routing_key=self.topology.queue(consumer), timeout=10
                )
                await message.ack()
            else:
                await message.nack(requeue=True)
        return chosen if replay else [parked for _, parked in seen]


async def declare_topology(
    channel: AbstractRobustChannel, topology: Topology
) -> AbstractRobustExchange:
    """Declare every exchange, queue and binding; idempotent, so every service runs it."""
    exchange = await channel.declare_exchange(
        topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    parking = await channel.declare_exchange(
        topology.parking_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    for consumer, event_types in topology.bindings.items():
        queue = await channel.declare_queue(
            topology.queue(consumer), durable=True, arguments=topology.queue_arguments(consumer)
        )
        for event_type in event_types:
            await queue.bind(exchange, routing_key=event_type)
        for delay in topology.retry_delays_ms:
            await channel.declare_queue(
                topology.wait_queue(consumer, delay),
                durable=True,
                arguments=topology.wait_queue_arguments(consumer, delay),
            )
        parked = await channel.declare_queue(
            topology.parking_queue(consumer),
            durable=True,
            arguments=topology.parking_queue_arguments(),
        )
        await parked.bind(parking, routing_key=consumer)
    return exchange
