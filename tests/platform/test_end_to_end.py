"""The four services together, driven through intake's own API as the website and agents use
it: every stage told, the report measured by the sla service, and what other services decide
(incidents, bugs in development, auto-close) moving tickets on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.intake.tables import ticket as ticket_table
from shared.contracts.events import (
    DevelopmentFixReleased,
    DevelopmentForwarded,
    IncidentResolved,
    SlaAutoCloseDue,
)
from tests.events import envelope
from tests.intake.helpers import agent, move, new_ticket, read
from tests.support import System, eventually, text_of


async def _status(system: System, staff: dict[str, str], ticket_id: str) -> str:
    return str((await read(system, ticket_id, staff))["status"])


async def _wait_status(system: System, staff: dict[str, str], ticket_id: str, status: str) -> None:
    await eventually(lambda: _status(system, staff, ticket_id), lambda s: s == status)


async def test_a_ticket_from_the_form_to_the_report(system: System) -> None:
    staff = await agent(system)
    created = await new_ticket(system)
    ticket_id, number = created["id"], created["number"]
    claimed = await system.intake.post("/v1/queue/claim", headers=staff)
    assert claimed.status_code == 200 and claimed.json()["id"] == ticket_id
    reply = await system.intake.post(
        f"/v1/tickets/{ticket_id}/messages",
        json={"body": "Проверьте, пожалуйста, лимит по карте.", "internal": False},
        headers=staff,
    )
    assert reply.status_code in (200, 201), reply.text
    assert (await move(system, staff, ticket_id, "resolved")).status_code == 200

    def reported(mails: list[Any]) -> bool:
        return any("решено" in str(m["Subject"]) for m in mails)

    # Receipt, open, in progress, the reply, and the report last of all.
    mails = await eventually(lambda: system.wait_for_mail(1), reported)
    subjects = " | ".join(str(m["Subject"]) for m in mails)
    report = next(m for m in mails if "решено" in str(m["Subject"]))
    text = text_of(report)
    assert "Исправили настройки оплаты." in text, subjects
    assert "Первый ответ: через" in text and "в обещанный срок" in text
    assert all(f"[{number}]" in str(m["Subject"]) for m in mails)

    sla = system.clients["sla"]
    view = (await sla.get(f"/v1/tickets/{ticket_id}/sla", headers=staff)).json()
    assert view["first_response"]["state"] == "met"
    assert view["resolution"]["state"] == "met"


async def test_other_services_move_tickets_on(system: System) -> None:
    staff = await agent(system)
    first, second, bug = [(await new_ticket(system, f"c{n}@example.com"))["id"] for n in range(3)]
    bus = system.runtime("intake").bus
    now = datetime.now(UTC)

    resolved = IncidentResolved(
        incident_id=uuid.uuid4(),
        title="Сбой оплаты",
        summary="Платёжный шлюз восстановлен.",
        ticket_ids=[uuid.UUID(first), uuid.UUID(second)],
        resolved_at=now,
    )
    forwarded = DevelopmentForwarded(
        forward_id=uuid.uuid4(),
        ticket_id=uuid.UUID(bug),
        number="SC-000003",
        tracker_reference="DEV-42",
        requested_at=now,
        forwarded_at=now,
    )
    for payload in (resolved, forwarded):
        event = envelope(payload)
        await bus.publish(event)
        await bus.publish(event)  # redelivered: no second move
    for ticket_id in (first, second):
        await _wait_status(system, staff, ticket_id, "resolved")
    await _wait_status(system, staff, bug, "in_development")
    ticket = await read(system, first, staff)
    assert "Платёжный шлюз восстановлен." in str(ticket)

    # Auto-close: only the resolution the sla service measured closes the ticket.
    async with system.runtime("intake").db.sessions() as session:
        query = select(ticket_table.c.resolved_at).where(ticket_table.c.id == uuid.UUID(first))
        resolved_at = (await session.execute(query)).scalar_one()
    stale = SlaAutoCloseDue(
        ticket_id=uuid.UUID(second),
        number="SC-000002",
        resolved_at=datetime(2020, 1, 1, tzinfo=UTC),
        due_at=now,
    )
    due = SlaAutoCloseDue(
        ticket_id=uuid.UUID(first), number="SC-000001", resolved_at=resolved_at, due_at=now
    )
    for payload in (stale, due):
        await bus.publish(envelope(payload))
    await _wait_status(system, staff, first, "closed")
    assert await _status(system, staff, second) == "resolved"

    def _closed(mails: list[Any]) -> bool:
        return any("закрыто" in str(m["Subject"]) for m in mails)

    await eventually(lambda: system.wait_for_mail(1), _closed)


async def test_a_released_fix_brings_the_bug_back_to_an_agent_and_is_told_once(
    system: System,
) -> None:
    """Clause 12: the fix ships, the ticket comes back to work (so its clocks run again and an
    agent confirms with the customer), and the customer hears of it in one mail."""
    staff = await agent(system)
    created = await new_ticket(system, "bug@example.com")
    bug, number = created["id"], created["number"]
    assert (await move(system, staff, bug, "in_development")).status_code == 200
    await system.wait_for_mail(2)  # the receipt, and "in development"
    bus = system.runtime("intake").bus
    released = envelope(
        DevelopmentFixReleased(
            release="2.4.1",
            notes="Исправлена ошибка оплаты.",
            forward_ids=[uuid.uuid4()],
            ticket_ids=[uuid.UUID(bug)],
            released_at=datetime.now(UTC),
        )
    )
    await bus.publish(released)
    await bus.publish(released)  # redelivered: no second move, no second mail
    await _wait_status(system, staff, bug, "in_progress")
    await eventually(
        lambda: system.wait_for_mail(3),
        lambda mails: any("2.4.1" in text_of(m) for m in mails),
    )
    await asyncio.sleep(1)  # time for a second mail, if one were coming
    mails = [m for m in system.mail() if f"[{number}]" in str(m["Subject"])]
    assert len(mails) == 3, [str(m["Subject"]) for m in mails]
    sla = system.clients["sla"]
    view = await eventually(
        lambda: sla.get(f"/v1/tickets/{bug}/sla", headers=staff),
        lambda response: response.json()["status"] == "in_progress",
    )
    assert view.json()["paused"] is False
