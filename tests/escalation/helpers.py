"""Helpers of the escalation tests: drive the service with events, read what it published."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.escalation.tables import outbox, ticket
from shared.auth import Role
from shared.contracts.events import (
    Category,
    CustomerRef,
    EventPayload,
    Language,
)
from tests.events import envelope, number_of, ticket_created
from tests.support import Answer, LoopbackReceiver, Received, System, eventually

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
    await system.runtime(SERVICE).bus.publish(envelope(payload, subject=ticket_id))


async def new_ticket(
    system: System,
    *,
    category: Category | None = None,
    received_at: datetime | None = None,
    number: int | None = None,
) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    created = ticket_created(
        ticket_id,
        category=category,
        subject="Оплата не проходит: ошибка 502 на шаге подтверждения",
        received_at=received_at or datetime.now(UTC),
        customer=CUSTOMER,
        number=number_of(ticket_id) if number is None else f"SC-{number:06d}",
    )
    await publish(system, created, ticket_id)
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
        return [row["data"] for row in rows.scalars()]


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


class FakeTracker(LoopbackReceiver):
    """The development tracker on loopback: answers each POST with the next status of
    ``answers`` (the last one repeats) and, like a real tracker, files one bug per
    Idempotency-Key and answers its reference."""

    def __init__(self) -> None:
        super().__init__([201], path="/api/bugs")
        self.filed: dict[str, str] = {}
        self.answer_body: bytes | None = None  # instead of {"reference": …}
        # Answer the first ``drip_answers`` requests a byte every ``drip_seconds``, never
        # finishing: each read is quick, the whole answer never comes.
        self.drip_answers = 0
        self.drip_seconds = 0.1

    def answer(self, request: Received) -> Answer:
        if len(self.requests) <= self.drip_answers:
            return Answer(201, drip=self.drip_seconds)
        answer = super().answer(request)
        if not 200 <= answer.status < 300:
            return answer
        key = request.headers["idempotency-key"]
        reference = self.filed.setdefault(key, f"BUG-{len(self.filed) + 1}")
        body = json.dumps({"reference": reference}).encode()
        return replace(answer, body=body if self.answer_body is None else self.answer_body)
