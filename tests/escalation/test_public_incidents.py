"""Incidents in progress as customers read them (clause 23), for the portal's banner: anyone
may ask, of one ticket or of all, and learns only what linked customers are mailed."""

from __future__ import annotations

from shared.auth import Role
from tests.escalation.helpers import new_tickets, staff
from tests.support import System

PATH = "/v1/incidents"


async def test_customers_read_an_incident_in_progress_of_their_ticket(desk: System) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    linked, other = await new_tickets(desk, 2)
    declared = await client.post(
        PATH,
        json={
            "title": "Оплата картой недоступна",
            "summary": "Платёжный шлюз не отвечает; мы работаем над этим.",
            "ticket_ids": [str(linked)],
        },
        headers=agent,
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()

    everyone = await client.get(f"{PATH}/in-progress")  # no token: anyone
    assert everyone.status_code == 200, everyone.text
    [shown] = everyone.json()
    assert shown == {
        "id": incident["id"],
        "title": "Оплата картой недоступна",
        "summary": "Платёжный шлюз не отвечает; мы работаем над этим.",
        "declared_at": shown["declared_at"],
        "latest": None,
        "updates": [],
    }
    mine = await client.get(f"{PATH}/in-progress", params={"ticket_id": str(linked)})
    assert [i["id"] for i in mine.json()] == [incident["id"]]
    theirs = await client.get(f"{PATH}/in-progress", params={"ticket_id": str(other)})
    assert theirs.json() == []

    text = "Шлюз восстановлен частично."
    posted = await client.post(
        f"{PATH}/{incident['id']}/updates", json={"text": text}, headers=agent
    )
    assert posted.status_code == 201, posted.text
    [shown] = (await client.get(f"{PATH}/in-progress", params={"ticket_id": str(linked)})).json()
    assert shown["latest"]["text"] == text

    resolved = await client.post(
        f"{PATH}/{incident['id']}/resolve", json={"summary": "Всё работает."}, headers=agent
    )
    assert resolved.status_code == 200, resolved.text
    assert (await client.get(f"{PATH}/in-progress")).json() == []
    # The agents' own list still needs a token.
    assert (await client.get(PATH)).status_code == 401


async def test_anyone_reads_the_incidents_in_progress_and_only_their_public_fields(
    desk: System,
) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    assert (await client.get(f"{PATH}/in-progress")).json() == []
    tickets = [str(t) for t in await new_tickets(desk, 2)]
    declared = []
    for title in ("Оплата картой недоступна", "Не приходят письма"):
        body = {"title": title, "summary": "Мы работаем над этим.", "ticket_ids": tickets}
        answer = await client.post(PATH, json=body, headers=agent)
        assert answer.status_code == 201, answer.text
        declared.append(answer.json())
    update = {"text": "Оплата работает с задержкой."}
    posted = await client.post(f"{PATH}/{declared[0]['id']}/updates", json=update, headers=agent)
    assert posted.status_code == 201
    resolve = {"summary": "Письма снова уходят."}
    done = await client.post(f"{PATH}/{declared[1]['id']}/resolve", json=resolve, headers=agent)
    assert done.status_code == 200, done.text

    shown = await client.get(f"{PATH}/in-progress")  # no credential at all
    assert shown.status_code == 200
    [incident] = shown.json()
    assert set(incident) == {"id", "title", "summary", "declared_at", "latest", "updates"}
    assert incident["title"] == "Оплата картой недоступна"
    assert [u["text"] for u in incident["updates"]] == ["Оплата работает с задержкой."]
    assert set(incident["updates"][0]) == {"text", "posted_at"}
    assert (await client.get(f"{PATH}/in-progress", params={"limit": 0})).status_code == 422
    # The full list stays for staff.
    assert (await client.get(PATH)).status_code == 401
