"""What the anonymous web form gives away and sets off: not an address's history, not a channel
of its choosing, not a senior's review per complaint in a burst (issue 14)."""

from __future__ import annotations

from tests.intake.helpers import Limited, agent, from_address, read
from tests.support import eventually, ticket_body


async def test_the_answer_to_a_filing_is_the_same_whatever_the_address_did_before(
    limited: Limited,
) -> None:
    async with limited() as system:
        answers = []
        for address in ("198.51.100.1", "198.51.100.2"):
            async with from_address(system, address) as client:
                # A script cannot pass its filing off as mail either.
                body = ticket_body("ivan@example.com", channel="email")
                answer = await client.post("/v1/tickets", json=body)
                assert answer.status_code == 201, answer.text
                answers.append(answer.json())
        first, second = answers
        assert first.keys() == second.keys()
        assert first["customer_is_new"] is None and second["customer_is_new"] is None
        for created in answers:
            token = {"Authorization": f"Bearer {created['access_token']}"}
            assert (await read(system, created["id"], token))["customer_is_new"] is None
        staff = await agent(system)
        seen = [await read(system, created["id"], staff) for created in answers]
        assert [t["customer_is_new"] for t in seen] == [True, False]  # staff still know
        assert [t["channel"] for t in seen] == ["web", "web"]


async def test_a_burst_of_complaints_from_one_client_opens_one_review(limited: Limited) -> None:
    async with limited(rate_limit_complaint_reviews="1/hour") as system:
        filed = []
        for address in ("198.51.100.1", "198.51.100.1", "198.51.100.1", "203.0.113.5"):
            async with from_address(system, address) as client:
                body = ticket_body(f"c{len(filed)}@example.com", category="complaint")
                answer = await client.post("/v1/tickets", json=body)
                assert answer.status_code == 201, answer.text
                filed.append(answer.json())
        # Every complaint is registered; the first from each client goes to a senior.
        await eventually(
            lambda: system.count_rows("escalation", "ticket"), lambda n: n == 4, timeout=20
        )
        assert await system.count_rows("escalation", "escalation") == 2
        staff = await agent(system)
        held = await read(system, filed[1]["id"], staff)
        assert held["category"] is None
        assert any(
            "Set the category to complaint" in (e.get("note") or "") for e in held["timeline"]
        )
        # An agent who confirms it has it reviewed like any complaint.
        confirmed = await system.intake.put(
            f"/v1/tickets/{filed[1]['id']}/category", json={"category": "complaint"}, headers=staff
        )
        assert confirmed.status_code == 200, confirmed.text
        await eventually(
            lambda: system.count_rows("escalation", "escalation"), lambda n: n == 3, timeout=20
        )
        reviewed = await read(system, filed[0]["id"], staff)
        assert reviewed["category"] == "complaint"
