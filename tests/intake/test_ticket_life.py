"""A ticket's whole life over HTTP: every move agents may and may not make, the conversation,
the customer's requests, and the event each step publishes."""

from __future__ import annotations

import base64
from typing import Any

from shared.auth import Role
from tests.intake.helpers import LEGAL, agent, bearer, events, move, new_ticket, read
from tests.support import System

# How an agent brings a fresh ticket to each status.
PATH_TO = {
    "received": [],
    "open": ["open"],
    "in_progress": ["in_progress"],
    "waiting_customer": ["waiting_customer"],
    "waiting_partner": ["waiting_partner"],
    "in_development": ["in_development"],
    "resolved": ["resolved"],
    "closed": ["resolved", "closed"],
}


async def _ticket_at(system: System, staff: dict[str, str], status: str, n: int) -> str:
    ticket = await new_ticket(system, f"c{n}@example.com")
    for step in PATH_TO[status]:
        assert (await move(system, staff, ticket["id"], step)).status_code == 200
    return str(ticket["id"])


async def test_every_move_agents_may_and_may_not_make(system: System) -> None:
    staff = await agent(system)
    n = 0
    for current, legal in LEGAL.items():
        n += 1
        ticket_id = await _ticket_at(system, staff, current.value, n)
        allowed = sorted(s.value for s in legal)
        for target in LEGAL:
            if target in legal:
                continue
            response = await move(system, staff, ticket_id, target.value)
            assert response.status_code == 409, (current, target, response.text)
            problem = response.json()
            assert response.headers["content-type"] == "application/problem+json"
            assert f"cannot move to {target.value}" in problem["detail"]
            assert all(name in problem["detail"] for name in allowed), problem
        assert (await read(system, ticket_id, staff))["status"] == current.value
        for target in legal:
            n += 1
            fresh = await _ticket_at(system, staff, current.value, n)
            response = await move(system, staff, fresh, target.value)
            assert response.status_code == 200, (current, target, response.text)
            assert response.json()["from_status"] == current.value
            assert response.json()["to_status"] == target.value
            seen = await read(system, fresh, staff)
            assert seen["status"] == target.value
            assert sorted(seen["allowed_moves"]) == sorted(s.value for s in LEGAL[target])

    published = {
        (e["data"]["from_status"], e["data"]["to_status"])
        for e in await events(system, "ticket.status_changed")
    }
    assert published >= {(a.value, b.value) for a, moves in LEGAL.items() for b in moves}


async def test_a_move_must_carry_the_summary_or_the_partner(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system)
    url = f"/v1/tickets/{ticket['id']}/transitions"
    for body, field in [
        ({"to": "resolved"}, "note"),
        ({"to": "resolved", "note": "   "}, "note"),
        ({"to": "waiting_partner"}, "partner"),
        ({"to": "waiting_partner", "partner": {"name": "PayCo"}}, "partner.reference"),
        ({"to": "in_progress", "partner": {"name": "PayCo", "reference": "1"}}, "partner"),
        ({"to": "escalated"}, "to"),
        ({"to": "open", "priority": "high"}, "priority"),
    ]:
        response = await system.intake.post(url, json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert field in {p["field"] for p in response.json()["errors"]}, response.json()
    assert (await read(system, ticket["id"], staff))["status"] == "received"
    assert await events(system, "ticket.status_changed") == []

    waiting = await move(system, staff, ticket["id"], "waiting_partner")
    assert waiting.status_code == 200
    [event] = await events(system, "ticket.status_changed")
    # A partner outside SviftDesk: named in free text, no registered partner's id.
    outside = {"name": "PayCo", "reference": "PC-17", "partner_id": None}
    assert event["data"]["partner"] == outside
    timeline = (await read(system, ticket["id"], staff))["timeline"]
    assert timeline[-1]["partner"] == outside


async def test_a_ticket_from_receipt_to_rating_and_reopen(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system)
    tid, customer = ticket["id"], bearer(ticket["access_token"])
    msgs = f"/v1/tickets/{tid}/messages"

    # An internal note: for agents only, and it moves nothing.
    note = await system.intake.post(
        msgs, json={"body": "Похоже на сбой у платёжного шлюза", "internal": True}, headers=staff
    )
    assert note.status_code == 201 and note.json()["first_response"] is False
    # A customer cannot write one.
    refused = await system.intake.post(msgs, json={"body": "x", "internal": True}, headers=customer)
    assert refused.status_code == 403

    # The first public reply of an agent is the first response; the work starts.
    reply = await system.intake.post(
        msgs, json={"body": "Смотрим, ответим сегодня."}, headers=staff
    )
    assert reply.status_code == 201 and reply.json()["first_response"] is True
    again = await system.intake.post(msgs, json={"body": "Ещё одно уточнение."}, headers=staff)
    assert again.json()["first_response"] is False
    seen = await read(system, tid, staff)
    assert seen["status"] == "in_progress" and seen["first_response_at"] is not None
    assert seen["claimed_by"] is not None  # the one who answered took it

    # Waiting on the customer; their answer resumes the work.
    assert (
        await move(system, staff, tid, "waiting_customer", note="Пришлите номер заказа")
    ).status_code == 200
    answer = await system.intake.post(msgs, json={"body": "Заказ 7781"}, headers=customer)
    assert answer.status_code == 201 and answer.json()["author"] == "customer"
    assert (await read(system, tid, customer))["status"] == "in_progress"

    # Not rateable before resolution; rated once after it.
    rating = f"/v1/tickets/{tid}/rating"
    early = await system.intake.post(rating, json={"score": 5}, headers=customer)
    assert early.status_code == 409 and "resolved" in early.json()["detail"]
    assert (await move(system, staff, tid, "resolved", note="Платёж прошёл.")).status_code == 200
    rated = await system.intake.post(rating, json={"score": 4, "comment": "Ок"}, headers=customer)
    assert rated.status_code == 201, rated.text
    twice = await system.intake.post(rating, json={"score": 1}, headers=customer)
    assert twice.status_code == 409
    for bad in ({"score": 0}, {"score": 6}, {"score": 3, "stars": 3}):
        assert (await system.intake.post(rating, json=bad, headers=customer)).status_code == 422

    # The customer writes after resolution: the ticket reopens; a new resolution is rateable.
    await system.intake.post(msgs, json={"body": "Снова не работает"}, headers=customer)
    assert (await read(system, tid, customer))["status"] == "in_progress"
    assert (await move(system, staff, tid, "resolved", note="Теперь точно.")).status_code == 200
    assert (
        await system.intake.post(rating, json={"score": 5}, headers=customer)
    ).status_code == 201
    assert (await move(system, staff, tid, "closed")).status_code == 200

    # Closed is final: the customer's next words start a new ticket, linked both ways.
    late = await system.intake.post(msgs, json={"body": "И ещё"}, headers=customer)
    assert late.status_code == 201, late.text
    follow_up = late.json()
    old_number = (await read(system, tid, customer))["number"]
    assert follow_up["follows_up"] == old_number
    new_id, new_token = follow_up["ticket"]["id"], follow_up["ticket"]["access_token"]
    assert new_id != tid and new_token
    fresh = await read(system, new_id, {"Authorization": f"Bearer {new_token}"})
    assert fresh["status"] == "received" and fresh["body"] == "И ещё"
    assert fresh["subject"] == (await read(system, tid, customer))["subject"]
    assert fresh["customer_is_new"] is None  # staff's to know, not the token holder's
    assert any(e["kind"] == "follow_up" and old_number in e["note"] for e in fresh["timeline"])
    assert (await read(system, tid, customer))["status"] == "closed"
    assert any(
        e["kind"] == "follow_up" and fresh["number"] in e["note"]
        for e in (await read(system, tid, customer))["timeline"]
    )
    # The old ticket's token does not open the new one.
    assert (await system.intake.get(f"/v1/tickets/{new_id}", headers=customer)).status_code == 404
    escalate = await system.intake.post(
        f"/v1/tickets/{tid}/escalation", json={"reason": "x"}, headers=customer
    )
    assert escalate.status_code == 409

    # The customer's view: no internal note, no staff-only entries; the agent's: everything.
    mine = await read(system, tid, customer)
    assert [m["author"] for m in mine["messages"]] == [
        "agent",
        "agent",
        "customer",
        "customer",
    ]
    assert "платёжного шлюза" not in str(mine)
    assert mine["claimed_by"] is None and mine["allowed_moves"] == []
    kinds = [entry["kind"] for entry in mine["timeline"]]
    assert "internal_note" not in kinds and "claimed" not in kinds
    theirs = await read(system, tid, staff)
    assert [m["internal"] for m in theirs["messages"]] == [True, False, False, False, False]
    assert "internal_note" in [entry["kind"] for entry in theirs["timeline"]]
    changes = [
        (e["from_status"], e["to_status"], e["actor"])
        for e in theirs["timeline"]
        if e["kind"] == "status_changed"
    ]
    assert changes == [
        ("received", "in_progress", "agent"),
        ("in_progress", "waiting_customer", "agent"),
        ("waiting_customer", "in_progress", "customer"),
        ("in_progress", "resolved", "agent"),
        ("resolved", "in_progress", "customer"),  # reopened
        ("in_progress", "resolved", "agent"),
        ("resolved", "closed", "agent"),
    ]
    assert all(e["at"].endswith(("Z", "+00:00")) for e in theirs["timeline"])

    # Every step is an event, in order, with what its consumers need.
    published = await events(system)
    types = [e["type"] for e in published]
    assert types.count("ticket.status_changed") == len(changes)
    assert types.count("ticket.satisfaction_rated") == 2
    added = [e["data"] for e in published if e["type"] == "ticket.message_added"]
    assert [(m["author"], m["internal"], m["first_response"]) for m in added] == [
        ("agent", True, False),
        ("agent", False, True),
        ("agent", False, False),
        ("customer", False, False),
        ("customer", False, False),
    ]
    resolved = [
        e["data"]
        for e in published
        if e["type"] == "ticket.status_changed" and e["data"]["to_status"] == "resolved"
    ]
    assert resolved[0]["note"] == "Платёж прошёл."
    assert resolved[0]["customer"]["email"] == "ivan@example.com"


async def test_complexity_is_set_by_agents_and_published_once(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system)
    url = f"/v1/tickets/{ticket['id']}/complexity"
    customer = bearer(ticket["access_token"])
    assert (
        await system.intake.put(url, json={"complexity": "simple"}, headers=customer)
    ).status_code == 401
    assert (
        await system.intake.put(url, json={"complexity": "huge"}, headers=staff)
    ).status_code == 422
    for value in ("simple", "simple", "complex"):
        response = await system.intake.put(url, json={"complexity": value}, headers=staff)
        assert response.status_code == 200 and response.json()["complexity"] == value
    published = await events(system, "ticket.complexity_set")
    assert [e["data"]["complexity"] for e in published] == ["simple", "complex"]
    assert (await read(system, ticket["id"], customer))["complexity"] == "complex"


async def test_the_customer_asks_for_a_senior_review(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system)
    url = f"/v1/tickets/{ticket['id']}/escalation"
    reason = {"reason": "Третий раз пишу, проблема не решена"}
    assert (await system.intake.post(url, json=reason, headers=staff)).status_code == 403
    assert (await system.intake.post(url, json=reason)).status_code == 404
    assert (
        await system.intake.post(url, json={"reason": ""}, headers=bearer(ticket["access_token"]))
    ).status_code == 422
    response = await system.intake.post(url, json=reason, headers=bearer(ticket["access_token"]))
    assert response.status_code == 201, response.text
    [event] = await events(system, "ticket.escalation_requested")
    assert event["data"]["reason"] == reason["reason"]
    assert event["data"]["number"] == ticket["number"]
    timeline = (await read(system, ticket["id"], bearer(ticket["access_token"])))["timeline"]
    assert timeline[-1]["kind"] == "escalation_requested"


def _file(size: int, name: str = "screen.png") -> dict[str, Any]:
    return {
        "filename": name,
        "content_type": "image/png",
        "data": base64.b64encode(b"\x89PNG" + b"x" * (size - 4)).decode(),
    }


async def test_small_attachments_in_json_are_shown_to_whom_they_belong(system: System) -> None:
    staff = await agent(system)
    limit = 100_000  # base64 in JSON: under SVIFTDESK_MAX_REQUEST_BYTES (large ones: multipart)
    ticket = await new_ticket(system, attachments=[_file(1000, "../../etc/оплата.png")])
    tid, customer = ticket["id"], bearer(ticket["access_token"])
    msgs = f"/v1/tickets/{tid}/messages"

    not_base64 = await system.intake.post(
        msgs,
        json={"body": "лог", "attachments": [{"filename": "a", "data": "%%%"}]},
        headers=customer,
    )
    assert not_base64.status_code == 422

    posted = await system.intake.post(
        msgs, json={"body": "скрин", "attachments": [_file(limit)]}, headers=customer
    )
    assert posted.status_code == 201
    note = await system.intake.post(
        msgs,
        json={"body": "внутренний лог", "internal": True, "attachments": [_file(10, "log.txt")]},
        headers=staff,
    )
    [public_file] = posted.json()["attachments"]
    [internal_file] = note.json()["attachments"]

    mine = await read(system, tid, customer)
    [first] = mine["attachments"]
    assert first["filename"] == "оплата.png" and first["size"] == 1000
    assert mine["messages"][0]["attachments"] == [public_file]

    base = f"/v1/tickets/{tid}/attachments"
    download = await system.intake.get(f"{base}/{public_file['id']}", headers=customer)
    assert download.status_code == 200 and len(download.content) == limit
    assert download.content.startswith(b"\x89PNG")
    assert download.headers["x-attachment-content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment")
    named = await system.intake.get(f"{base}/{first['id']}", headers=customer)
    assert named.status_code == 200 and len(named.content) == 1000
    assert (
        "filename*=UTF-8''%D0%BE%D0%BF%D0%BB%D0%B0%D1%82%D0%B0.png"
        in named.headers["content-disposition"]
    )
    hidden = await system.intake.get(f"{base}/{internal_file['id']}", headers=customer)
    assert hidden.status_code == 404
    assert (
        await system.intake.get(f"{base}/{internal_file['id']}", headers=staff)
    ).status_code == 200
    other = await new_ticket(system, "o@example.com")
    stranger = bearer(other["access_token"])
    assert (
        await system.intake.get(f"{base}/{public_file['id']}", headers=stranger)
    ).status_code == 404


async def test_feedback_and_suggestions_from_anyone(system: System) -> None:
    for body in (
        {"kind": "suggestion", "text": "Добавьте тёмную тему", "email": "Ivan@Example.com"},
        {"kind": "feedback", "text": "Спасибо за быстрый ответ"},
    ):
        response = await system.intake.post("/v1/feedback", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["kind"] == body["kind"]
    for bad in (
        {"kind": "complaint", "text": "x"},  # complaints are tickets of that category
        {"kind": "feedback", "text": ""},
        {"kind": "feedback", "text": "x", "email": "nope"},
        {"kind": "feedback", "text": "x", "priority": "high"},
    ):
        assert (await system.intake.post("/v1/feedback", json=bad)).status_code == 422
    assert await system.count_rows("intake", "feedback") == 2
    complaint = await new_ticket(system, category="complaint")
    assert complaint["status"] == "received"


async def test_a_senior_does_an_agents_work(system: System) -> None:
    senior = await agent(system, Role.senior)
    ticket = await new_ticket(system)
    assert (await move(system, senior, ticket["id"], "in_progress")).status_code == 200
    [event] = await events(system, "ticket.status_changed")
    assert event["data"]["actor"] == "senior"
