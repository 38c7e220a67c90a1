"""Auto-categorisation (clause 18): a request without a category gets one from its words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.intake.domain.categories import READ_CHARS, categorise
from shared.auth import Role
from shared.contracts.events import Category
from tests.intake.helpers import agent, bearer, events, move, new_ticket, read
from tests.support import System, eventually


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Не проходит оплата", "При оплате картой страница зависает.", Category.bug),
        ("Ошибка 500", "Сайт показывает ошибку.", Category.bug),
        ("Login broken", "The app doesn't work since the update.", Category.bug),
        ("Жалоба на поддержку", "Третий раз пишу, ошибка так и не исправлена.", Category.complaint),
        (
            "Disappointed",
            "Your service is unacceptable, the bug is still there.",
            Category.complaint,
        ),
        ("Как начать?", "Я новичок, только что зарегистрировался.", Category.onboarding),
        ("Getting started", "First time here, where do I begin?", Category.onboarding),
        ("Идея", "Было бы здорово добавить тёмную тему.", Category.suggestion),
        ("Feature request", "It would be nice to export reports.", Category.suggestion),
        ("Бета", "Хочу участвовать в тестировании новой версии.", Category.testing_help),
        ("PayBox", "Платёж через партнёра не дошёл.", Category.partner_issue),
        ("Вопрос", "Подскажите, где найти историю платежей? Спасибо!", Category.question),
        ("Billing", "Can I change my plan mid-month?", Category.question),
        ("Спасибо!", "Отличная работа, всё решили быстро.", Category.feedback),
        ("Thanks", "Great job on the new release.", Category.feedback),
        ("Контекст", "Тема письма без смысла", None),  # "тест" inside a word is no test
        ("Hello", "Just saying hi", None),
    ],
)
def test_a_request_is_categorised_by_its_words(
    subject: str, body: str, expected: Category | None
) -> None:
    assert categorise(subject, body) is expected


def test_only_the_start_of_a_long_body_is_read() -> None:
    assert categorise("Hello", "x " * READ_CHARS + "ошибка") is None
    assert categorise("Hello", "ошибка " + "x " * READ_CHARS) is Category.bug


async def test_a_ticket_without_a_category_gets_one_and_a_chosen_one_stands(
    system: System,
) -> None:
    staff = await agent(system)
    guessed = await new_ticket(system)  # "При оплате картой страница зависает."
    assert (await read(system, guessed["id"], staff))["category"] == "bug"
    chosen = await new_ticket(system, category="question")
    assert (await read(system, chosen["id"], staff))["category"] == "question"
    unclear = await new_ticket(system, subject="Hello", body="Just saying hi")
    assert (await read(system, unclear["id"], staff))["category"] is None


async def test_a_complaint_in_words_reaches_the_senior_review(system: System) -> None:
    """Clause 14: a complaint written as such is reviewed, even without the category set."""
    ticket = await new_ticket(
        system, subject="Жалоба", body="Я недоволен ответом поддержки по моему обращению."
    )
    seniors = system.clients["escalation"]
    token = system.runtime("escalation").signer.issue(uuid.uuid4(), Role.senior, ())
    reviews = await eventually(
        lambda: seniors.get(
            "/v1/escalations",
            params={"ticket_id": ticket["id"]},
            headers={"Authorization": f"Bearer {token}"},
        ),
        lambda response: response.status_code == 200 and len(response.json()) == 1,
    )
    assert reviews.json()[0]["reasons"][0]["source"] == "complaint"


async def test_an_agent_corrects_the_category_at_any_stage(system: System) -> None:
    staff, admin = await agent(system), await agent(system, Role.admin)
    ticket = await new_ticket(system)  # read as a bug
    customer = bearer(ticket["access_token"])
    url = f"/v1/tickets/{ticket['id']}/category"

    corrected = await system.intake.put(url, json={"category": "question"}, headers=staff)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["category"] == "question"
    assert (await read(system, ticket["id"], staff))["category"] == "question"
    same = await system.intake.put(url, json={"category": "question"}, headers=staff)
    assert same.status_code == 200
    [event] = await events(system, "ticket.category_set")
    assert (event["data"]["previous"], event["data"]["category"]) == ("bug", "question")
    # The agents' judgement is on the staff timeline, not the customer's.
    entries = (await read(system, ticket["id"], admin))["timeline"]
    assert [e["category"] for e in entries if e["kind"] == "category_set"] == ["question"]
    mine = (await read(system, ticket["id"], customer))["timeline"]
    assert all(e["kind"] != "category_set" for e in mine)

    # Also once closed: the reports count the ticket under what it really was.
    await move(system, staff, ticket["id"], "resolved")
    await move(system, staff, ticket["id"], "closed")
    late = await system.intake.put(url, json={"category": "onboarding"}, headers=staff)
    assert late.status_code == 200, late.text

    assert (
        await system.intake.put(url, json={"category": "bug"}, headers=customer)
    ).status_code in (401, 403)
    bad = await system.intake.put(url, json={"category": "urgent"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    other = f"/v1/tickets/{uuid.uuid4()}/category"
    assert (
        await system.intake.put(other, json={"category": "bug"}, headers=staff)
    ).status_code == 404


async def test_a_correction_reaches_the_reports_and_the_senior_review(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system)  # read as a bug
    moved = await system.intake.put(
        f"/v1/tickets/{ticket['id']}/category", json={"category": "complaint"}, headers=staff
    )
    assert moved.status_code == 200, moved.text
    reviews = await eventually(
        lambda: _reviews(system, ticket["id"]),
        lambda found: len(found) == 1,
    )
    assert [r["source"] for r in reviews[0]["reasons"]] == ["complaint"]
    assert reviews[0]["reasons"][0]["reason"] == "Не проходит оплата"  # the subject

    token = system.runtime("sla").signer.issue(uuid.uuid4(), Role.agent, ())
    today = datetime.now(UTC).date()
    period = {
        "from": (today - timedelta(days=1)).isoformat() + "T00:00:00+03:00",
        "to": (today + timedelta(days=2)).isoformat() + "T00:00:00+03:00",
        "group_by": "category",
    }

    async def by_category() -> dict[str | None, int]:
        response = await system.clients["sla"].get(
            "/v1/reports/sla", params=period, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return {row["group"]: row["tickets"] for row in response.json()["rows"]}

    await eventually(by_category, lambda groups: groups == {"complaint": 1})


async def _reviews(system: System, ticket_id: str) -> list[dict[str, Any]]:
    token = system.runtime("escalation").signer.issue(uuid.uuid4(), Role.senior, ())
    response = await system.clients["escalation"].get(
        "/v1/escalations",
        params={"ticket_id": ticket_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return list(response.json())
