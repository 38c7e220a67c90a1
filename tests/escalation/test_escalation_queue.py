"""The senior queue, on both backends: each way in (a customer's request, a missed target, a
complaint), one escalation per ticket, senior-only claim and close, strictly by arrival."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth import Role
from shared.contracts.events import (
    Category,
    SlaBreached,
    SlaTarget,
    TicketCategorySet,
    TicketEscalationRequested,
)
from tests.escalation.helpers import (
    CUSTOMER,
    events,
    new_ticket,
    publish,
    staff,
    wait_events,
)
from tests.events import envelope, escalation_requested, sla_breached
from tests.support import System, eventually, ticket_body

PATH = "/v1/escalations"


def requested(ticket_id: uuid.UUID, reason: str, at: datetime) -> TicketEscalationRequested:
    return escalation_requested(
        ticket_id, number="SC-000101", reason=reason, requested_at=at, customer=CUSTOMER
    )


def breached(ticket_id: uuid.UUID, target: SlaTarget, at: datetime) -> SlaBreached:
    return sla_breached(
        ticket_id,
        number="SC-000101",
        target=target,
        due_at=at - timedelta(minutes=1),
        breached_at=at,
    )


async def queue(system: System, **params: Any) -> list[dict[str, Any]]:
    response = await system.clients["escalation"].get(PATH, params=params, headers=staff(system))
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_customer_request_opens_one_escalation_and_a_second_adds_to_it(
    desk: System,
) -> None:
    ticket_id, t0 = uuid.uuid4(), datetime.now(UTC).replace(microsecond=0)
    await publish(desk, requested(ticket_id, "Ответ меня не устроил", t0), ticket_id)
    [opened] = await wait_events(desk, "escalation.opened", 1)
    assert opened["ticket_id"] == str(ticket_id)
    assert opened["number"] == "SC-000101"
    assert opened["source"] == "customer_request"
    assert opened["reason"] == "Ответ меня не устроил"
    # What the sla service needs for the review target: the id and when it starts.
    assert datetime.fromisoformat(opened["opened_at"]) == t0

    # A second request and a breach add to the open escalation instead of opening another.
    await publish(desk, requested(ticket_id, "Прошу ускорить", t0 + timedelta(hours=1)), ticket_id)
    await publish(
        desk, breached(ticket_id, SlaTarget.resolution, t0 + timedelta(hours=2)), ticket_id
    )
    [item] = await eventually(
        lambda: queue(desk), lambda items: len(items) == 1 and len(items[0]["reasons"]) == 3
    )
    assert item["id"] == opened["escalation_id"]
    assert item["status"] == "open"
    assert [r["source"] for r in item["reasons"]] == [
        "customer_request",
        "customer_request",
        "sla_breach",
    ]
    assert item["reasons"][1]["reason"] == "Прошу ускорить"
    assert len(await events(desk, "escalation.opened")) == 1
    # The agent working the ticket sees it went to a senior (the queue itself is seniors').
    of_ticket = await desk.clients["escalation"].get(
        f"/v1/tickets/{ticket_id}/activity", headers=staff(desk, Role.agent)
    )
    assert of_ticket.status_code == 200, of_ticket.text
    [seen] = of_ticket.json()["escalations"]
    assert seen["id"] == item["id"] and len(seen["reasons"]) == 3


async def test_a_missed_target_opens_an_escalation_automatically(desk: System) -> None:
    ticket_id, now = uuid.uuid4(), datetime.now(UTC)
    breach = breached(ticket_id, SlaTarget.first_response, now)
    event = envelope(breach)
    await desk.runtime("escalation").bus.publish(event)
    await desk.runtime("escalation").bus.publish(event)  # redelivered: no second effect
    [opened] = await wait_events(desk, "escalation.opened", 1)
    assert opened["source"] == "sla_breach"
    assert "first response" in opened["reason"]
    # A later breach of the same ticket adds its reason to the open escalation. (Published
    # after the first is handled: a consumer handles events concurrently, in no set order.)
    await publish(desk, breached(ticket_id, SlaTarget.resolution, now), ticket_id)
    [item] = await eventually(
        lambda: queue(desk, ticket_id=str(ticket_id)), lambda items: len(items[0]["reasons"]) == 2
    )
    assert {r["source"] for r in item["reasons"]} == {"sla_breach"}
    await asyncio.sleep(0.3)
    [item] = await queue(desk, ticket_id=str(ticket_id))
    assert len(item["reasons"]) == 2


async def test_every_complaint_filed_through_intake_is_reviewed(system: System) -> None:
    complaint = await system.intake.post(
        "/v1/tickets", json=ticket_body(category="complaint", subject="Жалоба на поддержку")
    )
    question = await system.intake.post("/v1/tickets", json=ticket_body(category="question"))
    assert complaint.status_code == 201 and question.status_code == 201, complaint.text
    [opened] = await wait_events(system, "escalation.opened", 1, timeout=20)
    assert opened["ticket_id"] == complaint.json()["id"]
    assert opened["number"] == complaint.json()["number"]
    assert opened["source"] == "complaint"
    assert opened["reason"] == "Жалоба на поддержку"
    await asyncio.sleep(0.5)  # the question has been handled by now, and opened nothing
    assert len(await events(system, "escalation.opened")) == 1


async def test_only_senior_specialists_act_on_escalations(desk: System) -> None:
    await new_ticket(desk, category=Category.complaint)
    [opened] = await wait_events(desk, "escalation.opened", 1)
    client, item = desk.clients["escalation"], f"{PATH}/{opened['escalation_id']}"
    agent = staff(desk, Role.agent)
    for response in (
        await client.get(PATH, headers=agent),
        await client.get(item, headers=agent),
        await client.post(f"{item}/claim", headers=agent),
        await client.post("/v1/escalations/claim", headers=agent),
        await client.post(f"{item}/close", json={"outcome": "Решено"}, headers=agent),
    ):
        assert response.status_code == 403, response.text
        assert "senior" in response.json()["detail"]
    assert (await client.get(PATH)).status_code == 401
    forged = {"Authorization": "Bearer sd1.e30.AAAA.forged"}
    assert (await client.get(PATH, headers=forged)).status_code == 401
    assert (await client.get(PATH, headers=staff(desk, Role.admin))).status_code == 200
    assert await events(desk, "escalation.assigned") == []


async def test_claim_and_close_strictly_by_arrival(desk: System) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=3)
    # Published out of order: the queue follows arrival, not publication.
    later, earlier = uuid.uuid4(), uuid.uuid4()
    await publish(desk, requested(later, "второй", t0 + timedelta(hours=1)), later)
    await publish(desk, requested(earlier, "первый", t0), earlier)
    await wait_events(desk, "escalation.opened", 2)
    items = await queue(desk)
    assert [i["ticket_id"] for i in items] == [str(earlier), str(later)]

    client = desk.clients["escalation"]
    anna_id, boris_id = uuid.uuid4(), uuid.uuid4()
    anna, boris = staff(desk, subject=anna_id), staff(desk, subject=boris_id)
    # Claiming the next takes the one that waited longest.
    claimed = await client.post("/v1/escalations/claim", headers=anna)
    assert claimed.status_code == 200, claimed.text
    first = claimed.json()
    assert first["ticket_id"] == str(earlier)
    assert first["status"] == "assigned" and first["assignee_id"] == str(anna_id)
    item = f"{PATH}/{first['id']}"
    # Anna's retry is a success; Boris cannot take it, nor close it.
    assert (await client.post(f"{item}/claim", headers=anna)).status_code == 200
    taken = await client.post(f"{item}/claim", headers=boris)
    assert taken.status_code == 409 and "claimed" in taken.json()["detail"]
    refused = await client.post(f"{item}/close", json={"outcome": "Всё исправлено"}, headers=boris)
    assert refused.status_code == 409
    # Closing an unclaimed escalation asks for a claim first.
    second = f"{PATH}/{items[1]['id']}"
    unclaimed = await client.post(f"{second}/close", json={"outcome": "Готово"}, headers=anna)
    assert unclaimed.status_code == 409 and "Claim" in unclaimed.json()["detail"]

    outcome = "Мы вернули оплату и извиняемся за задержку."
    closed = await client.post(f"{item}/close", json={"outcome": outcome}, headers=anna)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == outcome
    again = await client.post(f"{item}/close", json={"outcome": outcome}, headers=anna)
    assert again.status_code == 409

    [assigned] = await wait_events(desk, "escalation.assigned", 1)
    assert assigned["assignee_id"] == str(anna_id)
    assert assigned["escalation_id"] == first["id"]
    [closed_event] = await wait_events(desk, "escalation.closed", 1)
    assert closed_event["outcome"] == outcome
    assert closed_event["ticket_id"] == str(earlier)
    assert closed_event["sources"] == ["customer_request"]
    assert closed_event["closed_by"] == str(anna_id)

    # Closed, the ticket may be escalated again: that is a new escalation.
    await publish(desk, requested(earlier, "снова", datetime.now(UTC)), earlier)
    await wait_events(desk, "escalation.opened", 3)
    assert [i["ticket_id"] for i in await queue(desk)] == [str(later), str(earlier)]
    history = await queue(desk, status="closed")
    assert [i["id"] for i in history] == [first["id"]]


async def test_of_many_seniors_claiming_at_once_exactly_one_wins(desk: System) -> None:
    await publish(desk, requested(uuid.uuid4(), "срочно", datetime.now(UTC)), None)
    [opened] = await wait_events(desk, "escalation.opened", 1)
    client = desk.clients["escalation"]
    claims = await asyncio.gather(
        *(
            client.post(f"{PATH}/{opened['escalation_id']}/claim", headers=staff(desk))
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in claims) == [200] + [409] * 5
    await asyncio.sleep(0.3)
    assert len(await events(desk, "escalation.assigned")) == 1
    # Nothing waits now: the next claim finds the queue empty.
    assert (await client.post("/v1/escalations/claim", headers=staff(desk))).status_code == 204


async def test_bad_input_names_the_field(desk: System) -> None:
    await publish(desk, requested(uuid.uuid4(), "причина", datetime.now(UTC)), None)
    [opened] = await wait_events(desk, "escalation.opened", 1)
    client, senior = desk.clients["escalation"], staff(desk)
    item = f"{PATH}/{opened['escalation_id']}"
    await client.post(f"{item}/claim", headers=senior)
    cases = [
        (await client.post(f"{item}/close", json={}, headers=senior), 422, "outcome"),
        (await client.post(f"{item}/close", json={"outcome": " "}, headers=senior), 422, "outcome"),
        (
            await client.post(f"{item}/close", json={"outcome": "ok ok", "x": 1}, headers=senior),
            422,
            "x",
        ),
        (await client.get(PATH, params={"status": "lost"}, headers=senior), 422, "status"),
        (await client.get(PATH, params={"limit": 0}, headers=senior), 422, "limit"),
        (await client.post(f"{PATH}/nope/claim", headers=senior), 422, "escalation_id"),
        (await client.post(f"{PATH}/{uuid.uuid4()}/claim", headers=senior), 404, None),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        if field:
            assert field in response.json()["detail"]


async def test_complaints_are_listed_apart_even_when_they_join_a_request(desk: System) -> None:
    """The seniors' complaints view (clause 14): ``source=complaint`` lists the escalations with
    a complaint among their reasons, whichever way in opened them, and nothing else."""
    t0 = datetime.now(UTC) - timedelta(hours=1)
    complaint = await new_ticket(desk, category=Category.complaint, received_at=t0)
    asked, joined = uuid.uuid4(), await new_ticket(desk, received_at=t0)
    await publish(desk, requested(asked, "Прошу проверить ответ", t0), asked)
    await publish(desk, requested(joined, "Ответ меня не устроил", t0), joined)
    await wait_events(desk, "escalation.opened", 3)
    # An agent found the request is a complaint after all: it joins the open escalation.
    await publish(
        desk,
        TicketCategorySet(
            ticket_id=joined,
            number="SC-000102",
            category=Category.complaint,
            previous=None,
            subject="Жалоба на грубость",
            set_at=t0 + timedelta(minutes=5),
        ),
        joined,
    )
    listed = await eventually(
        lambda: queue(desk, source="complaint"), lambda items: len(items) == 2
    )
    assert {item["ticket_id"] for item in listed} == {str(complaint), str(joined)}
    assert len(await queue(desk)) == 3
    closed = await queue(desk, source="complaint", status="closed")
    assert closed == []
    refused = await desk.clients["escalation"].get(
        PATH, params={"source": "rumour"}, headers=staff(desk)
    )
    assert refused.status_code == 422 and "source" in refused.json()["detail"]
