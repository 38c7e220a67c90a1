"""A customer erased at their request (clauses 19, 24): the senior queue forgets their words
and the outcome they were told; other customers' reviews, and the desk's own text, stay."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from shared.contracts.events import (
    Category,
    SlaTarget,
    TicketEscalationRequested,
)
from tests.escalation.helpers import CUSTOMER, new_ticket, publish, staff
from tests.events import customer_erased, envelope, escalation_requested, sla_breached
from tests.support import System, eventually

PATH = "/v1/escalations"
ALL = {"status": ["open", "assigned", "closed"]}


async def _escalations(system: System, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
    client = system.clients["escalation"]
    response = await client.get(
        PATH, params={**ALL, "ticket_id": str(ticket_id)}, headers=staff(system)
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def _outbox(system: System) -> list[str]:
    runtime = system.runtime("escalation")
    async with runtime.db.sessions() as session:
        rows = (await session.execute(select(runtime.outbox.table.c.envelope))).all()
    return [json.dumps(row.envelope, ensure_ascii=False) for row in rows]


def _requested(ticket_id: uuid.UUID, reason: str, at: datetime) -> TicketEscalationRequested:
    return escalation_requested(
        ticket_id, number="SC-000101", reason=reason, requested_at=at, customer=CUSTOMER
    )


async def _erase(system: System, ticket_ids: list[uuid.UUID]) -> str:
    event = envelope(customer_erased(*ticket_ids))
    await system.runtime("escalation").bus.publish(event)
    await eventually(lambda: system.has_handled("escalation", event.id), bool)
    return event.id


async def test_the_customers_words_and_outcome_go_and_the_rest_stays(desk: System) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0)
    # Erased: a complaint (its subject is their words), their request, a missed target, and
    # the outcome they were told; then a second review, still open.
    erased = await new_ticket(desk, category=Category.complaint, received_at=t0)
    words = "Позвоните мне, Ольга, +7 916 000-00-00"
    await publish(desk, _requested(erased, words, t0 + timedelta(minutes=1)), erased)
    due = t0 + timedelta(minutes=2)
    breach = sla_breached(
        erased,
        number="SC-000101",
        target=SlaTarget.resolution,
        due_at=due,
        breached_at=due + timedelta(minutes=1),
    )
    await publish(desk, breach, erased)
    [first] = await eventually(
        lambda: _escalations(desk, erased),
        lambda found: len(found) == 1 and len(found[0]["reasons"]) == 3,
    )
    client, senior = desk.clients["escalation"], staff(desk)
    item = f"{PATH}/{first['id']}"
    assert (await client.post(f"{item}/claim", headers=senior)).status_code == 200
    outcome = "Ольга, мы вернули 500 ₽ на вашу карту *1234"
    closed = await client.post(f"{item}/close", json={"outcome": outcome}, headers=senior)
    assert closed.status_code == 200, closed.text
    await publish(desk, _requested(erased, "Снова не работает", t0 + timedelta(hours=1)), erased)
    await eventually(lambda: _escalations(desk, erased), lambda found: len(found) == 2)

    # Another customer's review, untouched.
    other = uuid.uuid4()
    await publish(desk, _requested(other, "Ответ меня не устроил", t0), other)
    await eventually(lambda: _escalations(desk, other), lambda found: len(found) == 1)

    # Named with a ticket this service never saw: that is fine.
    await eventually(lambda: desk.unpublished("escalation"), lambda n: n == 0)
    await _erase(desk, [erased, uuid.uuid4()])
    # Nor do the copies of published events keep them (escalation.opened carries the reason).
    envelopes = await _outbox(desk)
    assert envelopes and all(words not in e and outcome not in e for e in envelopes)
    assert any("Ответ меня не устроил" in e for e in envelopes)

    reviews = await _escalations(desk, erased)
    assert len(reviews) == 2
    for review in reviews:
        assert review["outcome"] is None
        for reason in review["reasons"]:
            if reason["source"] == "sla_breach":  # the desk's own text: no personal data
                assert reason["reason"] != ""
            else:
                assert reason["reason"] == ""
    # Numbers, sources, statuses and times stay, for the reports (clause 22).
    by_status = {review["status"]: review for review in reviews}
    assert set(by_status) == {"closed", "open"}
    assert [r["source"] for r in by_status["closed"]["reasons"]] == [
        "complaint",
        "customer_request",
        "sla_breach",
    ]
    assert by_status["closed"]["closed_at"] is not None
    read = await client.get(item, headers=senior)
    assert read.status_code == 200 and outcome not in read.text and words not in read.text

    [kept] = await _escalations(desk, other)
    assert [r["reason"] for r in kept["reasons"]] == ["Ответ меня не устроил"]

    # Erasing again (a new event for the same customer) changes nothing and does not fail.
    await _erase(desk, [erased])
    assert await _escalations(desk, erased) == reviews
