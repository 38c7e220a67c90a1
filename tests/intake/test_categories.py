"""Auto-categorisation (clause 18): a request without a category gets one from its words."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.escalation import tables as escalation_tables
from services.intake.domain.categories import READ_CHARS, Categorisation, categorise
from shared.auth import Role
from shared.contracts.events import Category
from tests.intake.helpers import agent, bearer, events, move, new_ticket, read
from tests.intake.labelled import load, quality, table
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
    assert categorise(subject, body).category is expected


def test_only_the_start_of_a_long_body_is_read() -> None:
    assert categorise("Hello", "x " * READ_CHARS + "ошибка").category is None
    assert categorise("Hello", "ошибка " + "x " * READ_CHARS).category is Category.bug


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        # Issue 15: "пожаловать" in a greeting filed complaints, "зависит" filed bugs.
        ("Добро пожаловать", "Добро пожаловать в нашу команду!", None),
        (
            "Re: Добро пожаловать",
            "Получил письмо «Добро пожаловать». Как начать работу?",
            (Category.onboarding),
        ),
        ("Welcome aboard", "Welcome to the team, glad to have you!", None),
        ("Тариф", "Зависит ли цена от количества пользователей?", Category.question),
        ("Сроки", "Всё зависит от погоды, напишу позже.", None),
        # A negated cue counts for nothing; the rest of the words decide.
        ("Вопрос", "Это не жалоба, просто вопрос: как выгрузить отчёт?", Category.question),
        (
            "Hi",
            "No complaint, but it would be great to have a weekly summary.",
            (Category.suggestion),
        ),
        ("Всё хорошо", "Претензий нет, спасибо за помощь!", Category.feedback),
        ("Release", "Not complaining, just saying thanks.", Category.feedback),
        # Lemmas: any inflection of a cue matches.
        ("Жалуюсь", "Жалуюсь на оператора, который мне нагрубил.", Category.complaint),
        ("Претензия", "Направляю претензию по договору.", Category.complaint),
        ("Проблема", "Приложение вылетело дважды за утро.", Category.bug),
        # Clause 20: a solution made for one customer.
        ("Доработка", "Нужна доработка системы под наши процессы.", (Category.individual_solution)),
        (
            "Custom development",
            "Can you build a custom integration for our ERP?",
            (Category.individual_solution),
        ),
    ],
)
def test_words_are_read_as_lemmas_in_their_context(
    subject: str, body: str, expected: Category | None
) -> None:
    assert categorise(subject, body).category is expected


def test_a_complaint_needs_a_strong_signal() -> None:
    """One sour word is not a complaint: the next-best category, or none, is filed instead."""
    weak = categorise("Тариф", "Немного разочарован ценой. Как перейти на годовой тариф?")
    assert weak.category is Category.question
    assert categorise("Hm", "A bit disappointed.").category is None
    strong = categorise("Жалоба", "Я крайне недоволен, это безобразие.")
    assert strong.category is Category.complaint and strong.confidence >= 0.8


def test_the_confidence_grows_with_the_evidence() -> None:
    faint = categorise("Hello", "Anyone up for lunch?")
    clear = categorise("Ошибка 500", "После обновления приложение вылетает с ошибкой.")
    assert faint.category is Category.question and clear.category is Category.bug
    assert 0 < faint.confidence < clear.confidence <= 1
    nothing = categorise("Hello", "")
    assert nothing == Categorisation(None, 1.0)


def test_made_up_words_cost_little() -> None:
    """The dictionary is consulted only for words it knows that start like a cue: a body of
    made-up words costs the event loop well under a millisecond, not tens of them."""
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    bodies = [
        " ".join(
            "".join(letters[(i * 7 + j * 13 + k * 3) % len(letters)] for k in range(4 + j % 5))
            for j in range(400)
        )[:READ_CHARS]
        for i in range(10)
    ]
    categorise("x", "прогрев")  # the dictionary loads once per process
    started = time.process_time()
    for body in bodies:
        categorise("x", body)
    assert (time.process_time() - started) / len(bodies) < 0.02


def test_the_labelled_requests_are_categorised_well() -> None:
    """Over 300 requests written for this test (labelled.py); complaints must be right."""
    everything = load()
    assert len(everything) >= 300
    held_out = load(["held_out"])
    assert len(held_out) >= 100

    def predict(subject: str, body: str) -> Category | None:
        return categorise(subject, body).category

    for requests in (everything, held_out):
        found = quality(requests, predict)
        assert found.precision(Category.complaint) >= 0.95, table(found)
        assert found.accuracy >= 0.9, table(found)
        assert all(recall >= 0.7 for _, recall, _, _ in found.per_category.values()), table(found)


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
    seen = await read(system, ticket["id"], staff)
    # A person's judgement now, no longer the words' guess.
    assert (seen["category"], seen["category_confidence"]) == ("question", None)
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


async def test_a_greeting_is_no_complaint_and_staff_see_how_sure_the_words_were(
    system: System,
) -> None:
    """Issue 15: "Добро пожаловать" filed a complaint, opened a senior review and mailed the
    customer about it. Now it is read for what it says, with the model's confidence."""
    staff = await agent(system)
    ticket = await new_ticket(
        system,
        subject="Re: Добро пожаловать",
        body="Получил письмо «Добро пожаловать». Как начать работу?",
    )
    seen = await read(system, ticket["id"], staff)
    assert seen["category"] == "onboarding"
    assert 0 < seen["category_confidence"] <= 1
    [created] = await events(system, "ticket.created")
    assert created["data"]["category"] == "onboarding"
    assert created["data"]["category_confidence"] == seen["category_confidence"]
    # The guess is the desk's business, not the customer's.
    mine = await read(system, ticket["id"], bearer(ticket["access_token"]))
    assert mine["category_confidence"] is None
    # Escalation has taken the ticket in (the same transaction decides on a review): none.
    known = await eventually(
        lambda: _escalation_knows(system, ticket["id"]), lambda category: category is not None
    )
    assert known == "onboarding"
    assert await _reviews(system, ticket["id"]) == []

    chosen = await new_ticket(system, category="complaint")
    assert (await read(system, chosen["id"], staff))["category_confidence"] is None


async def test_individual_solutions_are_a_category_of_the_reports(system: System) -> None:
    """Clause 20: a request for a solution made for one customer is filed and counted as such."""
    staff = await agent(system)
    by_words = await new_ticket(
        system, subject="Доработка", body="Нужна доработка системы под наши процессы."
    )
    assert (await read(system, by_words["id"], staff))["category"] == "individual_solution"
    chosen = await new_ticket(system, category="individual_solution")
    assert (await read(system, chosen["id"], staff))["category"] == "individual_solution"
    listed = await system.intake.get(
        "/v1/tickets", params={"category": "individual_solution"}, headers=staff
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 2
    groups = await eventually(
        lambda: _report_by_category(system), lambda found: found == {"individual_solution": 2}
    )
    assert groups == {"individual_solution": 2}


async def _escalation_knows(system: System, ticket_id: str) -> str | None:
    """The category escalation holds for the ticket; None until its ticket.created arrives."""
    async with system.runtime("escalation").db.sessions() as session:
        row = (
            await session.execute(
                select(escalation_tables.ticket.c.category).where(
                    escalation_tables.ticket.c.ticket_id == uuid.UUID(ticket_id)
                )
            )
        ).first()
    return None if row is None else str(row.category)


async def _report_by_category(system: System) -> dict[str | None, int]:
    token = system.runtime("sla").signer.issue(uuid.uuid4(), Role.agent, ())
    today = datetime.now(UTC).date()
    period = {
        "from": (today - timedelta(days=1)).isoformat() + "T00:00:00+03:00",
        "to": (today + timedelta(days=2)).isoformat() + "T00:00:00+03:00",
        "group_by": "category",
    }
    response = await system.clients["sla"].get(
        "/v1/reports/sla", params=period, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return {row["group"]: row["tickets"] for row in response.json()["rows"]}
