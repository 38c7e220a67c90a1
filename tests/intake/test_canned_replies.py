"""Canned replies: the team's shared texts (seniors keep them) and each agent's own, filled in
for a ticket when used."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.intake.helpers import agent, issue, new_ticket
from tests.support import System

URL = "/v1/canned-replies"
GREETING = (
    "Здравствуйте, {customer_name}! Ваше обращение {ticket_number} «{ticket_subject}» в работе; "
    "ответим до { expected_answer_time }."
)


async def _titles(system: System, staff: dict[str, str], **params: Any) -> list[str]:
    listed = await system.intake.get(URL, params=params, headers=staff)
    assert listed.status_code == 200, listed.text
    return [reply["title"] for reply in listed.json()]


async def test_shared_and_personal_canned_replies_filled_for_a_ticket(system: System) -> None:
    senior = await agent(system, Role.senior)
    anna_id, anna = await issue(system, email="anna@sviftcommunity.ru")
    _, boris = await issue(system, email="boris@sviftcommunity.ru")
    ticket = await new_ticket(system)

    shared = await system.intake.post(
        URL,
        json={"title": "Приветствие", "body": GREETING, "language": "ru", "shared": True},
        headers=senior,
    )
    assert shared.status_code == 201, shared.text
    reply = shared.json()
    assert (reply["shared"], reply["owner_id"], reply["language"]) == (True, None, "ru")
    own = await system.intake.post(
        URL,
        json={"title": "Thanks", "body": "Thank you, {customer_name}.", "language": "en"},
        headers=anna,
    )
    assert own.status_code == 201, own.text
    assert (own.json()["shared"], own.json()["owner_id"]) == (False, anna_id)

    # Only seniors and admins speak for the whole team.
    refused = await system.intake.post(
        URL, json={"title": "X", "body": "Y", "language": "ru", "shared": True}, headers=anna
    )
    assert refused.status_code == 403, refused.text
    edit = f"{URL}/{reply['id']}"
    assert (await system.intake.patch(edit, json={"title": "Z"}, headers=anna)).status_code == 403
    assert (await system.intake.delete(edit, headers=boris)).status_code == 403

    # Everyone sees the shared ones; a personal one is its owner's alone.
    assert await _titles(system, anna) == ["Thanks", "Приветствие"]
    assert await _titles(system, anna, language="ru") == ["Приветствие"]
    assert await _titles(system, boris) == ["Приветствие"]
    mine = f"{URL}/{own.json()['id']}"
    assert (await system.intake.get(mine, headers=boris)).status_code == 404
    assert (await system.intake.patch(mine, json={"body": "Hi"}, headers=boris)).status_code == 404

    # Filled in for a ticket (by id or number); the expected answer time is the SLA service's.
    rendered = await system.intake.get(
        f"{edit}/render", params={"ticket": ticket["number"]}, headers=boris
    )
    assert rendered.status_code == 200, rendered.text
    assert rendered.json()["body"] == (
        f"Здравствуйте, Иван Петров! Ваше обращение {ticket['number']} «Не проходит оплата» в "
        "работе; ответим до { expected_answer_time }."
    )
    assert rendered.json()["unfilled"] == ["expected_answer_time"]
    by_id = await system.intake.get(f"{mine}/render", params={"ticket": ticket["id"]}, headers=anna)
    assert by_id.json()["body"] == "Thank you, Иван Петров."
    assert by_id.json()["unfilled"] == []
    gone = await system.intake.get(f"{mine}/render", params={"ticket": "SC-999999"}, headers=anna)
    assert gone.status_code == 404

    changed = await system.intake.patch(
        edit, json={"title": "Здравствуйте", "language": "ru"}, headers=senior
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == GREETING and changed.json()["title"] == "Здравствуйте"
    assert (await system.intake.delete(mine, headers=anna)).status_code == 204
    assert (await system.intake.get(mine, headers=anna)).status_code == 404

    # Bad input: 422 naming the field; a mistyped placeholder never reaches a customer.
    for method, url, body, field in [
        ("POST", URL, {"title": "A", "body": "Hi {customer_nmae}", "language": "ru"}, "body"),
        ("POST", URL, {"title": "{ticket}", "body": "Hi", "language": "ru"}, "title"),
        ("POST", URL, {"title": " ", "body": "Hi", "language": "ru"}, "title"),
        ("POST", URL, {"title": "A", "body": "Hi", "language": "de"}, "language"),
        ("POST", URL, {"title": "A", "language": "ru"}, "body"),
        ("POST", URL, {"title": "A", "body": "Hi", "language": "ru", "owner": "x"}, "owner"),
        ("PATCH", edit, {"title": None}, "title"),
        ("PATCH", edit, {"body": "До {expected_answer}"}, "body"),
    ]:
        bad = await system.intake.request(method, url, json=body, headers=senior)
        assert bad.status_code == 422, (body, bad.text)
        assert field in {e["field"].split(".")[0] for e in bad.json()["errors"]}, bad.text
    assert (await system.intake.get(URL)).status_code == 401
