"""Feedback and suggestions are read by someone: staff list them by status, mark their
progress, and each step is an event."""

from __future__ import annotations

import uuid

from shared.auth import Role
from tests.intake.helpers import agent, bearer, events, move, new_ticket, read
from tests.support import System, eventually, text_of


async def test_staff_read_feedback_and_mark_its_progress(system: System) -> None:
    left = []
    for body in (
        {"kind": "suggestion", "text": "Добавьте тёмную тему", "email": "Ivan@Example.com"},
        {"kind": "feedback", "text": "Спасибо за быстрый ответ", "language": "en"},
    ):
        response = await system.intake.post("/v1/feedback", json=body)
        assert response.status_code == 201, response.text
        left.append(response.json()["id"])
    suggestion, thanks = left

    staff = await agent(system)
    listed = await system.intake.get("/v1/feedback", headers=staff)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()] == [thanks, suggestion]  # newest first
    assert listed.json()[1] | {"received_at": None} == {
        "id": suggestion,
        "kind": "suggestion",
        "text": "Добавьте тёмную тему",
        "email": "ivan@example.com",
        "status": "new",
        "received_at": None,
        "status_changed_at": None,
    }

    marked = await system.intake.patch(
        f"/v1/feedback/{suggestion}", json={"status": "planned"}, headers=staff
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "planned"
    assert marked.json()["status_changed_at"] is not None
    again = await system.intake.patch(
        f"/v1/feedback/{suggestion}", json={"status": "planned"}, headers=staff
    )
    assert again.status_code == 200  # nothing changed, so no second event

    def ids(response_json: list[dict[str, str]]) -> list[str]:
        return [item["id"] for item in response_json]

    new = await system.intake.get("/v1/feedback", params={"status": "new"}, headers=staff)
    assert ids(new.json()) == [thanks]
    planned = await system.intake.get("/v1/feedback?status=planned", headers=staff)
    assert ids(planned.json()) == [suggestion]
    only = await system.intake.get("/v1/feedback?kind=feedback", headers=staff)
    assert ids(only.json()) == [thanks]

    received = await events(system, "feedback.received")
    assert [e["data"]["feedback_id"] for e in received] == [suggestion, thanks]
    assert received[0]["data"]["email"] == "ivan@example.com"
    assert received[1]["data"]["email"] is None
    assert received[1]["data"]["language"] == "en"
    assert all("text" not in e["data"] for e in received)  # the words stay in intake
    [changed] = await events(system, "feedback.status_changed")
    assert changed["data"] | {"changed_at": None} == {
        "feedback_id": suggestion,
        "kind": "suggestion",
        "from_status": "new",
        "to_status": "planned",
        "changed_at": None,
    }


async def test_only_staff_read_feedback_and_bad_input_is_named(system: System) -> None:
    created = await system.intake.post("/v1/feedback", json={"kind": "feedback", "text": "Ок"})
    feedback_id = created.json()["id"]
    customer = bearer((await new_ticket(system))["access_token"])
    partner_or_nobody: list[dict[str, str]] = [{}, customer]
    for headers in partner_or_nobody:
        assert (await system.intake.get("/v1/feedback", headers=headers)).status_code in (401, 403)
        patched = await system.intake.patch(
            f"/v1/feedback/{feedback_id}", json={"status": "read"}, headers=headers
        )
        assert patched.status_code in (401, 403)

    staff = await agent(system, Role.senior)
    bad_status = await system.intake.patch(
        f"/v1/feedback/{feedback_id}", json={"status": "done"}, headers=staff
    )
    assert bad_status.status_code == 422
    assert "status" in bad_status.text
    assert (await system.intake.get("/v1/feedback?status=done", headers=staff)).status_code == 422
    missing = await system.intake.patch(
        f"/v1/feedback/{uuid.uuid4()}", json={"status": "read"}, headers=staff
    )
    assert missing.status_code == 404
    assert "feedback" in missing.json()["detail"]
    listed = await system.intake.get("/v1/feedback", headers=staff)
    assert [item["status"] for item in listed.json()] == ["new"]  # nothing half-changed


async def test_an_address_given_hears_its_feedback_arrived_and_nothing_of_it(
    system: System,
) -> None:
    for body in (
        {"kind": "suggestion", "text": "Добавьте тёмную тему", "email": "Ivan@Example.com"},
        {"kind": "feedback", "text": "Great support", "email": "ann@example.com", "language": "en"},
        {"kind": "feedback", "text": "Без адреса"},
    ):
        assert (await system.intake.post("/v1/feedback", json=body)).status_code == 201
    mails = await system.wait_for_mail(2)
    by_address = {str(mail["To"]): mail for mail in mails}
    assert set(by_address) == {"ivan@example.com", "ann@example.com"}
    ru, en = by_address["ivan@example.com"], by_address["ann@example.com"]
    assert ru["Subject"] == "Мы получили ваше предложение"
    assert en["Subject"] == "We have your feedback"
    assert "прочтёт сотрудник" in text_of(ru)
    assert "will read it" in text_of(en)
    # Anyone can type anyone's address: the acknowledgement quotes none of the words.
    assert "тёмную" not in text_of(ru) and "Great support" not in text_of(en)
    anonymous = (await events(system, "feedback.received"))[-1]

    async def handled() -> bool:
        return await system.has_handled("notifier", anonymous["id"])

    await eventually(handled, bool)
    assert len(system.mail()) == 2  # no address, no mail


async def test_staff_read_rating_comments_on_the_ticket_and_in_one_list(system: System) -> None:
    staff = await agent(system)
    rated = []
    for n, (score, comment) in enumerate([(2, "Долго ждал ответа"), (5, None)]):
        ticket = await new_ticket(system, f"r{n}@example.com")
        assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200
        customer = bearer(ticket["access_token"])
        body = {"score": score} | ({"comment": comment} if comment else {})
        response = await system.intake.post(
            f"/v1/tickets/{ticket['id']}/rating", json=body, headers=customer
        )
        assert response.status_code == 201, response.text
        rated.append((ticket, customer))

    (unhappy, customer), (happy, _) = rated
    seen = await read(system, unhappy["id"], staff)
    [rating] = seen["ratings"]
    assert (rating["score"], rating["comment"]) == (2, "Долго ждал ответа")
    assert (await read(system, unhappy["id"], customer))["ratings"] == []  # staff only

    listed = await system.intake.get("/v1/ratings", headers=staff)
    assert listed.status_code == 200, listed.text
    assert [(r["number"], r["score"], r["comment"]) for r in listed.json()] == [
        (happy["number"], 5, None),
        (unhappy["number"], 2, "Долго ждал ответа"),
    ]
    low = await system.intake.get("/v1/ratings?max_score=3", headers=staff)
    assert [r["ticket_id"] for r in low.json()] == [unhappy["id"]]
    assert (await system.intake.get("/v1/ratings?max_score=9", headers=staff)).status_code == 422
    assert (await system.intake.get("/v1/ratings", headers=customer)).status_code in (401, 403)
