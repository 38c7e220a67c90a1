"""Helpers of the escalation tests: drive the service with events, read what it published."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.escalation.tables import outbox, ticket
from shared.auth import Role
from shared.contracts.events import (
    Category,
    Channel,
    CustomerRef,
    EventPayload,
    Language,
    TicketCreated,
    TicketStatus,
)
from tests.support import System, eventually

SERVICE = "escalation"
TRACKER_SECRET = "tracker-secret-" + "t" * 32
CUSTOMER = CustomerRef(
    id=uuid.uuid4(),
    email="olga.smirnova@example.com",
    name="Ольга Смирнова",
    language=Language.ru,
    is_new=False,
)


async def publish(system: System, payload: EventPayload, ticket_id: uuid.UUID | None) -> None:
    """As intake or sla would: the event goes on the bus to every bound consumer."""
    event = payload.to_event(
        source="/sviftdesk/test", subject=str(ticket_id) if ticket_id else None
    )
    await system.runtime(SERVICE).bus.publish(event)


async def new_ticket(
    system: System,
    *,
    category: Category | None = None,
    received_at: datetime | None = None,
    number: int | None = None,
) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    await publish(
        system,
        TicketCreated(
            ticket_id=ticket_id,
            number=f"SC-{number if number is not None else ticket_id.int % 10**6:06d}",
            channel=Channel.web,
            category=category,
            subject="Оплата не проходит: ошибка 502 на шаге подтверждения",
            status=TicketStatus.received,
            received_at=received_at or datetime.now(UTC),
            customer=CUSTOMER,
        ),
        ticket_id,
    )
    return ticket_id


async def known_tickets(system: System) -> set[uuid.UUID]:
    async with system.runtime(SERVICE).db.sessions() as session:
        return set((await session.execute(select(ticket.c.ticket_id))).scalars())


async def new_tickets(system: System, count: int, **kwargs: Any) -> list[uuid.UUID]:
    """Tickets the escalation service has registered, ready to be linked or forwarded."""
    ids = [await new_ticket(system, **kwargs) for _ in range(count)]
    await eventually(lambda: known_tickets(system), lambda known: set(ids) <= known)
    return ids


async def events(system: System, event_type: str) -> list[dict[str, Any]]:
    """Payloads this service staged in its outbox, in order."""
    async with system.runtime(SERVICE).db.sessions() as session:
        rows = await session.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
        )
        return [envelope["data"] for envelope in rows.scalars()]


async def wait_events(
    system: System, event_type: str, count: int, *, timeout: float = 15.0
) -> list[dict[str, Any]]:
    return await eventually(
        lambda: events(system, event_type), lambda found: len(found) >= count, timeout=timeout
    )


def staff(
    system: System, role: Role = Role.senior, subject: uuid.UUID | None = None
) -> dict[str, str]:
    token = system.runtime(SERVICE).signer.issue(subject or uuid.uuid4(), role)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class TrackerRequest:
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class FakeTracker:
    """The development tracker on loopback: a tiny HTTP/1.1 server that answers each POST with
    the next status of ``answers`` (the last one repeats) and, like a real tracker, files one
    bug per Idempotency-Key."""

    answers: list[int] = field(default_factory=lambda: [201])
    answer_body: bytes | None = None  # instead of {"reference": …}
    # Answer the first ``drip_answers`` requests a byte every ``drip_seconds``, never finishing:
    # each read is quick, the whole answer never comes.
    drip_answers: int = 0
    drip_seconds: float = 0.1
    requests: list[TrackerRequest] = field(default_factory=list)
    filed: dict[str, str] = field(default_factory=dict)
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/bugs"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(TrackerRequest(headers, body))
            if len(self.requests) <= self.drip_answers:
                writer.write(b"HTTP/1.1 201 X\r\ncontent-length: 1000000\r\n\r\n")
                while True:
                    writer.write(b" ")
                    await writer.drain()
                    await asyncio.sleep(self.drip_seconds)
            status = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
            answer = b""
            if 200 <= status < 300:
                key = headers["idempotency-key"]
                reference = self.filed.setdefault(key, f"BUG-{len(self.filed) + 1}")
                answer = json.dumps({"reference": reference}).encode()
                answer = answer if self.answer_body is None else self.answer_body
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(answer)}\r\nconnection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
