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
