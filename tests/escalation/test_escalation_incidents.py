"""Incidents (clause 23), on both backends: many tickets, one update reaching all of them,
tickets linked as they arrive, and resolution carrying the summary for every ticket."""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Role
from tests.escalation.helpers import events, new_tickets, staff, wait_events
from tests.support import System

PATH = "/v1/incidents"


def ids(tickets: list[uuid.UUID]) -> list[str]:
    return [str(t) for t in tickets]


async def test_an_incident_with_many_tickets_updates_them_all_at_once(desk: System) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    first = await new_tickets(desk, 8)
    declared = await client.post(
        PATH,
        json={
            "title": "Оплата картой недоступна",
            "summary": "Платёжный шлюз не отвечает; мы работаем над этим.",
            "ticket_ids": ids(first[:5]),
        },
        headers=agent,
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()
    assert incident["status"] == "open" and set(incident["ticket_ids"]) == set(ids(first[:5]))
    item = f"{PATH}/{incident['id']}"

    # More tickets as they arrive: a ticket already linked is not linked twice.
    linked = await client.post(
        f"{item}/tickets", json={"ticket_ids": ids(first[3:])}, headers=agent
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["linked"] == [str(t) for t in first[5:]]
    late = await new_tickets(desk, 4)
    linked = await client.post(f"{item}/tickets", json={"ticket_ids": ids(late)}, headers=agent)
    assert linked.json()["linked"] == [str(t) for t in late]
    everyone = {str(t) for t in first + late}

    text = "Шлюз восстановлен частично; оплата картой работает с задержкой."
    posted = await client.post(f"{item}/updates", json={"text": text}, headers=agent)
    assert posted.status_code == 201, posted.text
    assert set(posted.json()["ticket_ids"]) == everyone

    # One event per update, naming every linked ticket: the notifier tells each customer.
    [updated] = await wait_events(desk, "incident.updated", 1)
    assert updated["incident_id"] == incident["id"]
    assert updated["text"] == text
    assert updated["title"] == "Оплата картой недоступна"
    assert len(updated["ticket_ids"]) == 12 and set(updated["ticket_ids"]) == everyone

    [declared_event] = await wait_events(desk, "incident.declared", 1)
    assert declared_event["ticket_ids"] == [str(t) for t in first[:5]]
    joined = await wait_events(desk, "incident.tickets_linked", 2)
    assert [len(j["ticket_ids"]) for j in joined] == [3, 4]
    # Those who join late hear the incident's summary, or its latest update once there is one.
    assert joined[0]["latest"] == declared_event["summary"]

    summary = "Шлюз работает штатно; все платежи проведены."
    resolved = await client.post(f"{item}/resolve", json={"summary": summary}, headers=agent)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolution"] == summary
    [resolved_event] = await wait_events(desk, "incident.resolved", 1)
    assert resolved_event["summary"] == summary
    assert set(resolved_event["ticket_ids"]) == everyone

    # Over: no more updates, links or resolutions.
    for response in (
        await client.post(f"{item}/updates", json={"text": "ещё"}, headers=agent),
        await client.post(f"{item}/tickets", json={"ticket_ids": ids(first[:1])}, headers=agent),
        await client.post(f"{item}/resolve", json={"summary": summary}, headers=agent),
    ):
        assert response.status_code == 409, response.text
    assert len(await events(desk, "incident.updated")) == 1
    assert len(await events(desk, "incident.resolved")) == 1

    view = (await client.get(item, headers=agent)).json()
    assert [u["text"] for u in view["updates"]] == [text]
    listed = (await client.get(PATH, params={"status": "resolved"}, headers=agent)).json()
    assert [i["id"] for i in listed] == [incident["id"]]

    # A ticket's page shows the incident it is part of, and since when: late ones later.
    async def linked(ticket_id: uuid.UUID) -> Any:
        answer = await client.get(f"/v1/tickets/{ticket_id}/activity", headers=agent)
        assert answer.status_code == 200, answer.text
        return answer.json()["incidents"]

    [early], [joined_late] = await linked(first[0]), await linked(late[0])
    assert (early["id"], early["status"]) == (incident["id"], "resolved")
    assert early["title"] == "Оплата картой недоступна" and early["resolved_at"]
    assert joined_late["linked_at"] > early["linked_at"]
    assert await linked(uuid.uuid4()) == []
    assert (await client.get(f"/v1/tickets/{late[0]}/activity")).status_code == 401


async def test_incidents_need_staff_and_valid_input(desk: System) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    [known] = await new_tickets(desk, 1)
    body = {"title": "Сбой входа", "summary": "Вход по паролю не работает."}
    assert (await client.post(PATH, json=body)).status_code == 401
    stranger = uuid.uuid4()
    cases = [
        (await client.post(PATH, json={"summary": "без заголовка"}, headers=agent), 422, "title"),
        (
            await client.post(PATH, json={**body, "severity": "high"}, headers=agent),
            422,
            "severity",
        ),
        (
            await client.post(PATH, json={**body, "ticket_ids": [str(stranger)]}, headers=agent),
            422,
            "ticket_ids",
        ),
        (
            await client.post(PATH, json={**body, "ticket_ids": ["x"]}, headers=agent),
            422,
            "ticket_ids",
        ),
        (
            await client.post(
                f"{PATH}/{uuid.uuid4()}/updates", json={"text": "Текст"}, headers=agent
            ),
            404,
            None,
        ),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        if field:
            assert field in response.json()["detail"]
    assert await events(desk, "incident.declared") == []

    declared = await client.post(PATH, json=body, headers=agent)
    item = f"{PATH}/{declared.json()['id']}"
    for response, field in (
        (
            await client.post(f"{item}/tickets", json={"ticket_ids": []}, headers=agent),
            "ticket_ids",
        ),
        (await client.post(f"{item}/updates", json={"text": ""}, headers=agent), "text"),
        (await client.post(f"{item}/resolve", json={}, headers=agent), "summary"),
    ):
        assert response.status_code == 422, response.text
        assert field in response.json()["detail"]
    # A senior specialist may do an agent's work.
    senior = staff(desk, Role.senior)
    linked = await client.post(f"{item}/tickets", json={"ticket_ids": [str(known)]}, headers=senior)
    assert linked.status_code == 200, linked.text


async def test_an_incident_names_its_tickets_by_the_numbers_people_read(desk: System) -> None:
    """The console shows an incident's tickets as SC-000042, not as ids."""
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    first = await new_tickets(desk, 1, number=4201)
    second = await new_tickets(desk, 1, number=4202)
    body = {"title": "Сбой входа", "summary": "Вход не работает.", "ticket_ids": ids(second)}
    declared = (await client.post(PATH, json=body, headers=agent)).json()
    item = f"{PATH}/{declared['id']}"
    await client.post(f"{item}/tickets", json={"ticket_ids": ids(first)}, headers=agent)
    read = (await client.get(item, headers=agent)).json()
    assert read["tickets"] == [
        {"id": str(second[0]), "number": "SC-004202"},
        {"id": str(first[0]), "number": "SC-004201"},
    ]
    assert read["ticket_ids"] == [str(second[0]), str(first[0])]
    [listed] = (await client.get(PATH, headers=agent)).json()
    assert listed["tickets"] == read["tickets"]
