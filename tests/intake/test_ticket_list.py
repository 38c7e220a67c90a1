"""Listing tickets: staff find what they work on; a partner reconciles the tickets it filed."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.intake.helpers import agent, bearer, issue, move, new_ticket
from tests.support import System


async def _list(system: System, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await system.intake.get("/v1/tickets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _numbers(page: dict[str, Any]) -> list[str]:
    return [item["number"] for item in page["items"]]


async def test_staff_filter_and_page_through_every_ticket(system: System) -> None:
    anna, boris = await agent(system), (await issue(system, email="boris@sviftcommunity.ru"))[1]
    bug = await new_ticket(system)
    question = await new_ticket(system, "olga@example.com", category="question")
    complaint = await new_ticket(system, "petr@example.com", category="complaint")
    claimed = await system.intake.post("/v1/queue/claim", headers=anna)  # the oldest: the bug
    assert claimed.status_code == 200 and claimed.json()["id"] == bug["id"]
    assert (await move(system, boris, question["id"], "resolved")).status_code == 200

    every = await _list(system, anna)
    assert _numbers(every) == [bug["number"], question["number"], complaint["number"]]
    assert every["next_after"] is None
    first = every["items"][0]
    assert (first["status"], first["category"]) == ("open", "bug")
    assert first["claimed_by"] is not None

    assert _numbers(await _list(system, anna, mine="true")) == [bug["number"]]
    # Boris took the question by resolving it.
    assert _numbers(await _list(system, boris, mine="true")) == [question["number"]]
    assert _numbers(await _list(system, anna, status=["resolved", "open"])) == [
        bug["number"],
        question["number"],
    ]
    assert _numbers(await _list(system, anna, category="complaint")) == [complaint["number"]]
    assert _numbers(await _list(system, anna, customer="Olga@Example.com")) == [question["number"]]
    assert _numbers(await _list(system, anna, customer="nobody@example.com")) == []

    # A page at a time, by arrival.
    one = await _list(system, anna, limit=2)
    assert _numbers(one) == [bug["number"], question["number"]]
    assert one["next_after"] == question["number"]
    two = await _list(system, anna, limit=2, after=one["next_after"])
    assert _numbers(two) == [complaint["number"]] and two["next_after"] is None

    for params, field in [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"after": "123"}, "after"),
        ({"after": "SC-23547065208582453774"}, "after"),  # past any number the database holds
        ({"status": "urgent"}, "status"),
        ({"priority": "high"}, "priority"),  # clause 7: there is no such thing
        ({"customer": "not an address"}, "customer"),
    ]:
        bad = await system.intake.get("/v1/tickets", params=params, headers=anna)
        assert bad.status_code == 422, (params, bad.text)
        named = {error["field"].split(".")[0] for error in bad.json()["errors"]}
        assert field in named, bad.text


async def test_a_partner_lists_only_the_tickets_it_filed(system: System) -> None:
    _, acme = await issue(system, Role.partner, partner_name="Acme")
    _, rival = await issue(system, Role.partner, partner_name="Rival")
    _, writer = await issue(system, Role.partner, partner_name="Writer", scopes=("tickets:write",))
    mine = await new_ticket(system, headers=acme)
    await new_ticket(system, headers=rival)
    web = await new_ticket(system, "olga@example.com")

    page = await _list(system, acme)
    assert _numbers(page) == [mine["number"]]
    assert "ivan@example.com" not in str(page) and "Иван" not in str(page)
    for params in ({"mine": "true"}, {"customer": "olga@example.com"}):
        refused = await system.intake.get("/v1/tickets", params=params, headers=acme)
        assert refused.status_code == 403, refused.text
    assert (await system.intake.get("/v1/tickets", headers=writer)).status_code == 403
    # Nobody else lists anything: no token, or a customer's key to one ticket.
    assert (await system.intake.get("/v1/tickets")).status_code == 401
    customer = bearer(web["access_token"])
    assert (await system.intake.get("/v1/tickets", headers=customer)).status_code in (401, 403)


async def test_needs_reply_lists_the_tickets_whose_customer_wrote_last(system: System) -> None:
    anna = await agent(system)
    new = await new_ticket(system)
    answered = await new_ticket(system, "olga@example.com")
    answered_again = await new_ticket(system, "petr@example.com")
    noted = await new_ticket(system, "vera@example.com")
    asked = await new_ticket(system, "oleg@example.com")
    resolved = await new_ticket(system, "ilya@example.com")

    async def post(ticket: dict[str, Any], headers: dict[str, str], **body: Any) -> None:
        added = await system.intake.post(
            f"/v1/tickets/{ticket['id']}/messages", json=body, headers=headers
        )
        assert added.status_code == 201, added.text

    await post(answered, anna, body="Проверьте, пожалуйста, ещё раз.")
    await post(answered_again, anna, body="Проверьте, пожалуйста, ещё раз.")
    await post(answered_again, bearer(answered_again["access_token"]), body="Не помогло.")
    await post(noted, anna, body="Похоже на ошибку банка.", internal=True)  # not to the customer
    assert (
        await move(system, anna, asked["id"], "waiting_customer", note="Пришлите снимок экрана.")
    ).status_code == 200
    assert (await move(system, anna, resolved["id"], "resolved")).status_code == 200

    page = await _list(system, anna, needs_reply="true")
    # By arrival, like every list (clause 7).
    assert _numbers(page) == [new["number"], answered_again["number"], noted["number"]]
    waiting = {item["number"]: item["awaiting_reply_since"] for item in page["items"]}
    assert waiting[new["number"]] is not None
    assert waiting[answered_again["number"]] > waiting[noted["number"]]  # since the reply
    every = await _list(system, anna)
    assert {i["number"]: i["awaiting_reply_since"] for i in every["items"]}[
        answered["number"]
    ] is None
    # Filters combine; a customer's reply reopens a resolved ticket, and it needs a reply.
    assert _numbers(await _list(system, anna, needs_reply="true", status="received")) == [
        new["number"],
        noted["number"],
    ]
    await post(resolved, bearer(resolved["access_token"]), body="Снова не работает.")
    assert _numbers(await _list(system, anna, needs_reply="true", limit=3)) == [
        new["number"],
        answered_again["number"],
        noted["number"],
    ]
    last = await _list(system, anna, needs_reply="true", after=noted["number"])
    assert _numbers(last) == [resolved["number"]]
    _, acme = await issue(system, Role.partner, partner_name="Acme")
    refused = await system.intake.get("/v1/tickets", params={"needs_reply": "true"}, headers=acme)
    assert refused.status_code == 403, refused.text
