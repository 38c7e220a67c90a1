"""Feedback, suggestions and complaints from the portal (clauses 13, 14, 27), over HTTP: each
reaches intake as what it is, is acknowledged, and a refused field is shown beside it."""

from __future__ import annotations

from tests.portal.public import Site, site

__all__ = ["site"]


async def test_feedback_suggestion_and_complaint_are_acknowledged(site: Site) -> None:
    csrf = await site.csrf_of("/feedback")
    idea = {"csrf": csrf, "kind": "suggestion", "text": "Тёмная тема", "email": "anna@example.com"}
    done = await site.browser.post("/feedback", data=idea)
    assert done.status_code == 200, done.text
    assert "Ваше предложение получено" in done.text and "anna@example.com" in done.text
    quiet = await site.browser.post(
        "/feedback", data={"csrf": csrf, "kind": "feedback", "text": "Всё отлично", "email": ""}
    )
    assert "Ваш отзыв получен." in quiet.text and "ответа не будет" in quiet.text
    staff = await site.staff()
    kept = (await site.system.intake.get("/v1/feedback", headers=staff)).json()
    assert sorted((f["kind"], f["text"], f["email"]) for f in kept) == [
        ("feedback", "Всё отлично", None),
        ("suggestion", "Тёмная тема", "anna@example.com"),
    ]

    complaint = {
        "csrf": csrf,
        "customer.name": "Анна",
        "customer.email": "anna@example.com",
        "subject": "Неделю нет ответа",
        "body": "Обращение SC-000001 без ответа.",
    }
    filed = await site.browser.post("/complaint", data=complaint)
    assert filed.status_code == 200 and "Ваша жалоба принята" in filed.text
    listed = await site.system.intake.get(
        "/v1/tickets", params={"category": "complaint"}, headers=staff
    )
    [ticket] = listed.json()["items"]
    assert ticket["number"] in filed.text and ticket["subject"] == "Неделю нет ответа"


async def test_refusals_are_shown_beside_the_field_with_the_text_kept(site: Site) -> None:
    csrf = await site.csrf_of("/feedback")
    wrong = {"csrf": csrf, "kind": "feedback", "text": "Мой отзыв", "email": "nope"}
    shown = await site.browser.post("/feedback", data=wrong)
    assert shown.status_code == 422
    assert 'id="e-feedback-email"' in shown.text and "Мой отзыв</textarea>" in shown.text
    complaint = {"csrf": csrf, "customer.name": "Анна", "customer.email": "a@example.com"}
    missing = await site.browser.post("/complaint", data={**complaint, "subject": "", "body": "x"})
    assert missing.status_code == 422 and 'id="e-complaint-subject"' in missing.text
    assert 'value="a@example.com"' in missing.text
    forged = await site.browser.post("/feedback", data={**wrong, "csrf": "forged"})
    assert forged.status_code == 403
