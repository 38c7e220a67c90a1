"""Escalation, incident and release notices reach the customers concerned, once each."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from shared.auth import Role
from shared.contracts.events import (
    DevelopmentFixReleased,
    EventPayload,
    IncidentUpdated,
)
from tests import events
from tests.support import System, eventually, text_of, ticket_body


async def _tickets(system: System, count: int) -> list[dict[str, Any]]:
    created = []
    for n in range(count):
        body = ticket_body(f"client{n}@example.com")
        created.append((await system.intake.post("/v1/tickets", json=body)).json())
    await system.wait_for_mail(count)
    return created


async def _publish(system: System, payload: EventPayload) -> None:
    await system.runtime("intake").bus.publish(events.envelope(payload))


async def test_one_incident_update_reaches_every_linked_customer(system: System) -> None:
    tickets = await _tickets(system, 4)
    linked = tickets[:3]
    update = IncidentUpdated(
        incident_id=uuid.uuid4(),
        update_id=uuid.uuid4(),
        title="Сбой платёжного шлюза",
        text="Мы переключили платежи на резервный шлюз; оплата снова проходит.",
        ticket_ids=[t["id"] for t in linked],
        posted_at=datetime.now(UTC),
    )
    event = events.envelope(update)
    bus = system.runtime("intake").bus
    await bus.publish(event)
    await bus.publish(event)  # redelivered
    mails = await system.wait_for_mail(4 + 3)
    await asyncio.sleep(0.5)
    notices = [m for m in system.mail() if "Сбой платёжного шлюза" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in notices) == [f"client{n}@example.com" for n in range(3)]
    for mail in notices:
        assert "резервный шлюз" in text_of(mail)
    assert len(mails) == 7


async def test_declaring_an_incident_tells_its_customers_at_once(system: System) -> None:
    """Clause 23: the customers of the tickets linked at declaration hear of it then, not only
    at the first update; the others hear nothing."""
    tickets = await _tickets(system, 3)
    token = system.runtime("escalation").signer.issue(uuid.uuid4(), Role.agent)
    body = {
        "title": "Сбой входа в приложение",
        "summary": "Вход временно недоступен; мы уже работаем над этим.",
        "ticket_ids": [t["id"] for t in tickets[:2]],
    }

    async def declare() -> int:
        # Escalation learns of the tickets from ticket.created: retry until it has.
        response = await system.clients["escalation"].post(
            "/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code

    assert await eventually(declare, lambda status: status == 201) == 201
    await system.wait_for_mail(3 + 2)
    await asyncio.sleep(0.5)
    notices = [m for m in system.mail() if "Сбой входа" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in notices) == ["client0@example.com", "client1@example.com"]
    for mail in notices:
        assert "уже работаем" in text_of(mail)


async def test_escalation_opened_and_closed_are_told(system: System) -> None:
    [ticket] = await _tickets(system, 1)
    escalation_id, now = uuid.uuid4(), datetime.now(UTC)
    await _publish(
        system,
        events.escalation_opened(
            ticket["id"],
            escalation_id=escalation_id,
            number=ticket["number"],
            reason="Не согласен с ответом",
            opened_at=now,
        ),
    )
    await _publish(
        system,
        events.escalation_closed(
            ticket["id"],
            escalation_id=escalation_id,
            number=ticket["number"],
            outcome="Мы вернём оплату в течение трёх рабочих дней.",
            opened_at=now,
            closed_at=now,
        ),
    )
    mails = await system.wait_for_mail(3)
    texts = [text_of(m) for m in mails]
    assert any("старшему специалисту" in t for t in texts)
    assert any("Мы вернём оплату в течение трёх рабочих дней." in t for t in texts)


async def test_release_notice_for_every_ticket_of_the_bug(system: System) -> None:
    tickets = await _tickets(system, 2)
    await _publish(
        system,
        DevelopmentFixReleased(
            release="2026.12.1",
            notes="Исправлена ошибка оплаты картами «Мир».",
            forward_ids=[uuid.uuid4()],
            ticket_ids=[t["id"] for t in tickets],
            released_at=datetime.now(UTC),
        ),
    )
    mails = await system.wait_for_mail(4)
    released = [m for m in mails if "исправление выпущено" in str(m["Subject"])]
    assert len(released) == 2
    assert all("2026.12.1" in text_of(m) for m in released)
