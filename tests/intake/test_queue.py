"""The agents' work queue: strictly first come, first served (clause 7), newcomers included
(clause 15), and a ticket is never given to two agents."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from services.intake.tickets import queries as repository
from shared.auth import Role
from tests.intake.helpers import agent, bearer, events, issue, new_ticket, read
from tests.support import System


async def test_the_queue_is_by_arrival_and_a_claim_takes_the_oldest(system: System) -> None:
    staff = await agent(system)
    first = await new_ticket(system, "ivan@example.com")
    returning = await new_ticket(system, "ivan@example.com", subject="Снова я")
    newcomer = await new_ticket(system, "olga@example.com")
    # Mail that came in over the weekend was received before today's web tickets, even if
    # it was registered after them: arrival time decides, then the number.
    weekend = await new_ticket(system, "petr@example.com", channel="email")
    async with system.runtime("intake").db.transaction() as session:
        await repository.set_ticket(
            session,
            uuid.UUID(weekend["id"]),
            received_at=datetime.now(UTC) - timedelta(days=2),
        )

    queue = (await system.intake.get("/v1/queue", headers=staff)).json()
    expected = [weekend, first, returning, newcomer]
    assert [item["id"] for item in queue] == [t["id"] for t in expected]
    assert [item["position"] for item in queue] == [1, 2, 3, 4]
    assert queue[3]["customer_is_new"] is True  # helped, not moved ahead
    assert queue[2]["customer_is_new"] is False
    assert "priority" not in queue[0]
    limited = await system.intake.get("/v1/queue", params={"limit": 2}, headers=staff)
    assert [item["id"] for item in limited.json()] == [weekend["id"], first["id"]]
    assert (
        await system.intake.get("/v1/queue", params={"limit": 0}, headers=staff)
    ).status_code == 422

    claimed = await system.intake.post("/v1/queue/claim", headers=staff)
    assert claimed.status_code == 200, claimed.text
    ticket = claimed.json()
    assert ticket["id"] == weekend["id"]
    assert ticket["status"] == "open" and ticket["claimed_by"] is not None
    assert ticket["customer"]["email"] == "petr@example.com"  # agents see everything
    assert [e["kind"] for e in ticket["timeline"]] == ["created", "claimed", "status_changed"]
    [opened] = await events(system, "ticket.status_changed")
    assert (opened["data"]["from_status"], opened["data"]["to_status"]) == ("received", "open")
    assert opened["data"]["actor"] == "agent"

    queue = (await system.intake.get("/v1/queue", headers=staff)).json()
    assert [item["id"] for item in queue] == [t["id"] for t in expected[1:]]
    # An agent who answers a ticket takes it off the queue too.
    await system.intake.post(
        f"/v1/tickets/{first['id']}/messages", json={"body": "Смотрим"}, headers=staff
    )
    queue = (await system.intake.get("/v1/queue", headers=staff)).json()
    assert [item["id"] for item in queue] == [returning["id"], newcomer["id"]]


async def test_claiming_from_an_empty_queue_says_so(system: System) -> None:
    staff = await agent(system)
    response = await system.intake.post("/v1/queue/claim", headers=staff)
    assert response.status_code == 204 and response.content == b""
    assert (await system.intake.get("/v1/queue", headers=staff)).json() == []


async def test_concurrent_claims_never_give_a_ticket_twice(system: System) -> None:
    agents = [(await issue(system, Role.agent, email=f"a{i}@sviftcommunity.ru")) for i in range(4)]
    tickets = [await new_ticket(system, f"c{i}@example.com") for i in range(20)]

    responses = await asyncio.gather(
        *(
            system.intake.post("/v1/queue/claim", headers=agents[i % len(agents)][1])
            for i in range(40)
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 20, 204: 20}
    claimed = [r.json() for r in responses if r.status_code == 200]
    assert sorted(t["id"] for t in claimed) == sorted(t["id"] for t in tickets)
    for ticket in claimed:
        assert ticket["status"] == "open"
        assert str(ticket["claimed_by"]) in {a[0] for a in agents}
    assert len(await events(system, "ticket.status_changed")) == 20
    staff = agents[0][1]
    assert (await system.intake.get("/v1/queue", headers=staff)).json() == []
    owner = (await read(system, tickets[0]["id"], staff))["claimed_by"]
    assert owner == next(t["claimed_by"] for t in claimed if t["id"] == tickets[0]["id"])
    # Each customer got the receipt and then heard that their ticket is open (clause 6).
    mails = await system.wait_for_mail(40)
    assert Counter(str(m["To"]) for m in mails) == {f"c{i}@example.com": 2 for i in range(20)}


async def test_a_claimed_ticket_is_handed_on_or_back_to_the_queue(system: System) -> None:
    anna = await agent(system)
    boris_id, boris = await issue(system, email="boris@sviftcommunity.ru")
    partner_id, _ = await issue(system, Role.partner, partner_name="Acme")
    first = await new_ticket(system)
    second = await new_ticket(system, "olga@example.com")
    assert (await system.intake.post("/v1/queue/claim", headers=anna)).json()["id"] == first["id"]
    url = f"/v1/tickets/{first['id']}/assignee"

    handed = await system.intake.put(url, json={"agent_id": boris_id}, headers=anna)
    assert handed.status_code == 200, handed.text
    assert handed.json()["claimed_by"] == boris_id
    mine = await system.intake.get("/v1/tickets", params={"mine": "true"}, headers=boris)
    assert [t["id"] for t in mine.json()["items"]] == [first["id"]]

    # Back to the queue, where its arrival puts it: before the later ticket.
    back = await system.intake.put(url, json={"agent_id": None}, headers=boris)
    assert back.status_code == 200 and back.json()["claimed_by"] is None
    queue = await system.intake.get("/v1/queue", headers=anna)
    assert [t["id"] for t in queue.json()] == [first["id"], second["id"]]
    entries = (await read(system, first["id"], anna))["timeline"]
    assert [e["agent_id"] for e in entries if e["kind"] == "assigned"] == [boris_id, None]
    customer = (await read(system, first["id"], bearer(first["access_token"])))["timeline"]
    assert all(e["kind"] != "assigned" for e in customer)

    revoked_id, _ = await issue(system, email="gone@sviftcommunity.ru")
    admin = await agent(system, Role.admin)
    revoke = await system.intake.post(f"/v1/credentials/{revoked_id}/revoke", headers=admin)
    assert revoke.status_code == 200, revoke.text
    for nobody in (partner_id, revoked_id, str(uuid.uuid4())):
        refused = await system.intake.put(url, json={"agent_id": nobody}, headers=anna)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "agent_id"
    assert (
        await system.intake.put(url, json={"agent_id": None}, headers=bearer(first["access_token"]))
    ).status_code in (401, 403)
    missing = f"/v1/tickets/{uuid.uuid4()}/assignee"
    assert (
        await system.intake.put(missing, json={"agent_id": None}, headers=anna)
    ).status_code == 404
