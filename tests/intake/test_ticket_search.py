"""Staff find tickets: full-text search in Russian and English over subjects, bodies and every
message (internal notes too), by number or address; and a customer's other tickets."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.intake.helpers import agent, bearer, issue, new_ticket
from tests.support import System


async def _search(system: System, staff: dict[str, str], q: str, **params: Any) -> dict[str, Any]:
    response = await system.intake.get(
        "/v1/tickets/search", params={"q": q, **params}, headers=staff
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def _found(system: System, staff: dict[str, str], q: str, **params: Any) -> list[str]:
    return [hit["number"] for hit in (await _search(system, staff, q, **params))["items"]]


async def test_staff_search_tickets_by_any_form_of_their_words(system: System) -> None:
    anna_id, anna = await issue(system, email="anna@sviftcommunity.ru")
    payment = await new_ticket(system, subject="Не проходит оплата", body="Страница зависает.")
    english = await new_ticket(
        system,
        "olga@example.com",
        subject="Checkout page",
        body="Our payments fail at checkout.",
        customer={"email": "olga@example.com", "name": "Olga", "language": "en"},
    )
    password = await new_ticket(system, subject="Вопрос", body="Как сменить пароль? Код не пришёл.")
    messages = "/v1/tickets/{}/messages"
    for ticket, body, headers in [
        (password, {"body": "Клиент упоминал оплату картой.", "internal": True}, anna),
        (english, {"body": "Still failing, see my queries."}, bearer(english["access_token"])),
    ]:
        added = await system.intake.post(messages.format(ticket["id"]), json=body, headers=headers)
        assert added.status_code == 201, added.text

    # Any form of a word, in the subject, the body or a message (an internal note too); the
    # subject weighs most, then the newest.
    assert await _found(system, anna, "оплатой") == [payment["number"], password["number"]]
    assert await _found(system, anna, "оплатой", order="newest") == [
        password["number"],
        payment["number"],
    ]
    assert await _found(system, anna, "payment") == [english["number"]]
    assert await _found(system, anna, "query") == [english["number"]]  # the customer's reply
    # Every word must be found, wherever in the ticket each one is.
    assert await _found(system, anna, "оплата зависает") == [payment["number"]]
    assert await _found(system, anna, "оплата пароля") == [password["number"]]
    assert await _found(system, anna, "оплата checkout") == []
    assert await _found(system, anna, "пришел") == [password["number"]]  # ё or е alike
    # A number or an address is looked for as it is.
    assert await _found(system, anna, english["number"].lower()) == [english["number"]]
    assert await _found(system, anna, "Olga@Example.com") == [english["number"]]
    assert await _found(system, anna, "ivan@example.com пароль") == [password["number"]]

    hit = (await _search(system, anna, "оплата"))["items"][0]
    assert hit["customer"] == {"name": "Иван Петров", "email": "ivan@example.com", "language": "ru"}
    assert hit["awaiting_reply_since"] is not None  # nobody answered yet

    # Filtered like the list, a page at a time.
    claimed = await system.intake.post("/v1/queue/claim", headers=anna)  # the oldest: payment
    assert claimed.status_code == 200 and claimed.json()["id"] == payment["id"]
    assert await _found(system, anna, "оплата", status="open") == [payment["number"]]
    assert await _found(system, anna, "оплата", status="received") == [password["number"]]
    assert await _found(system, anna, "оплата", mine="true") == [payment["number"]]
    assert await _found(system, anna, "оплата", assignee=anna_id) == [payment["number"]]
    assert await _found(system, anna, "payment", category="complaint") == []
    assert await _found(system, anna, "payment", channel="web") == [english["number"]]
    first = await _search(system, anna, "оплата", limit=1)
    assert [h["number"] for h in first["items"]] == [payment["number"]]
    assert first["next_offset"] == 1
    second = await _search(system, anna, "оплата", limit=1, offset=1)
    assert [h["number"] for h in second["items"]] == [password["number"]]
    assert second["next_offset"] is None

    # The customer's other tickets, newest first, this one left out.
    others = f"/v1/tickets/{payment['number']}/customer-tickets"
    theirs = await system.intake.get(others, headers=anna)
    assert theirs.status_code == 200, theirs.text
    assert [t["number"] for t in theirs.json()] == [password["number"]]
    alone = await system.intake.get(f"/v1/tickets/{english['id']}/customer-tickets", headers=anna)
    assert alone.json() == []
    missing = "/v1/tickets/SC-999999/customer-tickets"
    assert (await system.intake.get(missing, headers=anna)).status_code == 404

    # Staff only; bad input is a 422 naming the field.
    _, partner = await issue(system, Role.partner, partner_name="Acme")
    for headers in ({}, bearer(payment["access_token"]), partner):
        refused = await system.intake.get(
            "/v1/tickets/search", params={"q": "оплата"}, headers=headers
        )
        assert refused.status_code in (401, 403), refused.text
        refused = await system.intake.get(others, headers=headers)
        assert refused.status_code in (401, 403, 404), refused.text
    for params, field in [
        ({"q": "и the"}, "q"),
        ({"q": "  "}, "q"),
        ({}, "q"),
        ({"q": "оплата", "order": "priority"}, "order"),
        ({"q": "оплата", "limit": 0}, "limit"),
        ({"q": "оплата", "assignee": "anna"}, "assignee"),
        ({"q": "оплата", "status": "urgent"}, "status"),
    ]:
        bad = await system.intake.get("/v1/tickets/search", params=params, headers=anna)
        assert bad.status_code == 422, (params, bad.text)
        assert field in {e["field"].split(".")[0] for e in bad.json()["errors"]}, bad.text
    senior = await agent(system, Role.senior)
    assert await _found(system, senior, "страницы") == [payment["number"]]
