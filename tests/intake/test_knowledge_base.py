"""The knowledge base (clause 16): staff write articles, anyone reads and searches the
published ones in Russian and English, "Did this help?" is counted, and a new ticket's answer
and receipt carry the articles that match it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import pytest

from services.intake.domain import knowledge
from shared.auth import Role
from tests.intake.helpers import agent, bearer, issue, move, new_ticket
from tests.support import System, text_of, ticket_body

PAYMENT_RU = {
    "language": "ru",
    "title": "Как оплатить подписку",
    "body": "Оплата принимается **картой** или по [счёту](https://sviftcommunity.ru/billing).",
    "tags": ["Оплата", "подписка"],
}
PAYMENT_EN = {
    "language": "en",
    "title": "Payment failed",
    "body": "Paying by card? Check that the card allows *online* purchases.",
    "tags": ["billing"],
}
PASSWORD_RU = {
    "language": "ru",
    "title": "Восстановление пароля",
    "body": "Нажмите «Забыли пароль?» на странице входа.",
    "tags": ["вход"],
}


async def _write(
    system: System, staff: dict[str, str], article: dict[str, Any], *, status: str = "published"
) -> dict[str, Any]:
    response = await system.intake.post(
        "/v1/articles", json={**article, "status": status}, headers=staff
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _search(
    system: System, q: str, headers: dict[str, str] | None = None, **params: str
) -> list[dict[str, Any]]:
    response = await system.intake.get(
        "/v1/articles/search", params={"q": q, **params}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _titles(found: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in found]


# Pure rules: no database.


def test_word_forms_share_a_stem() -> None:
    assert {knowledge.stem(w) for w in ("оплаты", "оплата", "оплатить", "оплату")} == {"оплат"}
    assert {knowledge.stem(w) for w in ("payment", "payments")} == {"payment"}
    assert knowledge.stem("paying") == knowledge.stem("pays") == "pay"


def test_ticket_terms_skip_stop_words_and_punctuation_subject_first() -> None:
    terms = knowledge.ticket_terms("Не проходит оплата!", "Как быть? (оплата картой) & the | end")
    assert terms == ["проходит", "оплата", "картой", "end"]
    assert knowledge.ticket_terms("?!", "и в на the") == []
    assert knowledge.fts5_query(knowledge.stems_of(["оплаты", "оплатить", "Cards"])) == (
        '"оплат" OR "card"'
    )


def test_suggestions_keep_only_the_close_matches() -> None:
    scored = [("payment", 2.0), ("billing", 1.2), ("password", 0.2), ("nothing", 0.0)]
    assert knowledge.relevant(scored) == ["payment", "billing"]
    assert knowledge.relevant([("only", 0.1)]) == ["only"]
    assert knowledge.relevant([]) == []


def test_markdown_reads_as_a_plain_snippet() -> None:
    markdown = (
        "# Оплата\n\n**Жирный** и _курсив_, [ссылка](https://x.ru) и `snake_case`.\n\n"
        "- пункт\n> цитата\n\n```\ncode()\n```\n<b>html</b>"
    )
    assert knowledge.plain_text(markdown) == (
        "Оплата Жирный и курсив, ссылка и snake_case. пункт цитата code() html"
    )
    long = "слово " * 100
    cut = knowledge.snippet(long, 30)
    assert cut.endswith("…") and len(cut) <= 31 and "слов…" not in cut


# The API, on both backends.


async def test_russian_word_forms_find_each_other(system: System) -> None:
    admin = await agent(system, Role.admin)
    await _write(system, admin, PAYMENT_RU)
    await _write(system, admin, PASSWORD_RU)
    tagged = {
        "language": "ru",
        "title": "Настройки",
        "body": "Откройте раздел.",
        "tags": ["Письма"],
    }
    await _write(system, admin, tagged)
    for query in ("оплаты", "оплата", "оплатить", "ОПЛАТУ картой"):
        assert _titles(await _search(system, query)) == [PAYMENT_RU["title"]], query
    assert _titles(await _search(system, "пароли")) == [PASSWORD_RU["title"]]
    assert _titles(await _search(system, "письмо")) == ["Настройки"]  # by its tag
    assert await _search(system, "доставка") == []


async def test_english_word_forms_find_each_other(system: System) -> None:
    staff = await agent(system)
    await _write(system, staff, PAYMENT_EN)
    for query in ("payment", "payments", "paying", "pays", "cards"):
        assert _titles(await _search(system, query)) == [PAYMENT_EN["title"]], query
    assert await _search(system, "delivery") == []


async def test_a_title_match_ranks_above_a_body_match(system: System) -> None:
    staff = await agent(system)
    in_body = {
        "language": "ru",
        "title": "Частые вопросы",
        "body": "Про возврат денег: возврат занимает до десяти дней, возврат на карту.",
    }
    in_title = {"language": "ru", "title": "Возврат денег", "body": "Напишите нам."}
    await _write(system, staff, in_body)
    await _write(system, staff, in_title)
    assert _titles(await _search(system, "возврата")) == ["Возврат денег", "Частые вопросы"]
    # More of the words matched ranks higher too.
    found = await _search(system, "вопросы возврат")
    assert _titles(found) == ["Частые вопросы", "Возврат денег"]


async def test_the_readers_language_comes_first(system: System) -> None:
    staff = await agent(system)
    await _write(system, staff, {"language": "ru", "title": "Ключи API", "body": "Раздел API."})
    await _write(system, staff, {"language": "en", "title": "API keys", "body": "The API page."})
    assert _titles(await _search(system, "api", language="en")) == ["API keys", "Ключи API"]
    assert _titles(await _search(system, "api", language="ru")) == ["Ключи API", "API keys"]
    found = await _search(system, "api", language="ru")
    assert [item["language"] for item in found] == ["ru", "en"]


async def test_drafts_are_staff_only(system: System) -> None:
    staff = await agent(system)
    draft = await _write(system, staff, PAYMENT_RU, status="draft")
    assert draft["status"] == "draft" and draft["published_at"] is None
    ticket = await new_ticket(system)
    customer = bearer(ticket["access_token"])
    for headers in ({}, customer):
        response = await system.intake.get(f"/v1/articles/{draft['id']}", headers=headers)
        assert response.status_code == 404, response.text
        assert await _search(system, "оплата", headers) == []
        assert (await system.intake.get("/v1/articles", headers=headers)).json() == []
        listed = await system.intake.get("/v1/articles?status=draft", headers=headers)
        assert listed.json() == []
    assert _titles(await _search(system, "оплата", staff)) == [PAYMENT_RU["title"]]
    staff_list = (await system.intake.get("/v1/articles?status=draft", headers=staff)).json()
    assert [item["id"] for item in staff_list] == [draft["id"]]

    published = await system.intake.patch(
        f"/v1/articles/{draft['id']}", json={"status": "published"}, headers=staff
    )
    assert published.status_code == 200, published.text
    assert published.json()["published_at"] is not None
    read = await system.intake.get(f"/v1/articles/{draft['id']}", headers=customer)
    assert read.status_code == 200
    assert read.json()["body"] == PAYMENT_RU["body"]
    assert read.json()["tags"] == ["оплата", "подписка"]
    assert _titles(await _search(system, "оплата")) == [PAYMENT_RU["title"]]

    await system.intake.patch(
        f"/v1/articles/{draft['id']}", json={"status": "draft"}, headers=staff
    )
    assert await _search(system, "оплата") == []
    assert (await system.intake.get(f"/v1/articles/{draft['id']}")).status_code == 404


async def test_only_staff_write(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PASSWORD_RU)
    path = f"/v1/articles/{article['id']}"
    customer = bearer((await new_ticket(system))["access_token"])
    _, partner = await issue(system, Role.partner)
    body = {**PAYMENT_RU, "status": "published"}
    for headers, status in (({}, 401), (customer, 401), (partner, 403)):
        created = await system.intake.post("/v1/articles", json=body, headers=headers)
        assert created.status_code == status
        patched = await system.intake.patch(path, json={"title": "X"}, headers=headers)
        assert patched.status_code == status
        assert (await system.intake.delete(path, headers=headers)).status_code == status
    assert (await system.intake.get(path)).json()["title"] == PASSWORD_RU["title"]


async def test_changes_are_searchable_and_deleted_articles_gone(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PASSWORD_RU)
    path = f"/v1/articles/{article['id']}"
    changed = await system.intake.patch(
        path, json={"title": "Смена электронной почты", "tags": ["почта"]}, headers=staff
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == PASSWORD_RU["body"]
    assert _titles(await _search(system, "почту")) == ["Смена электронной почты"]
    assert await _search(system, "восстановить") == []
    assert (await system.intake.delete(path, headers=staff)).status_code == 204
    assert (await system.intake.get(path, headers=staff)).status_code == 404
    assert await _search(system, "почту", staff) == []
    assert (await system.intake.delete(path, headers=staff)).status_code == 404


async def test_did_this_help_is_counted(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PAYMENT_EN)
    votes = f"/v1/articles/{article['id']}/votes"
    for helpful in (True, True, False):
        response = await system.intake.post(votes, json={"helpful": helpful})
        assert response.status_code == 200, response.text
    assert response.json() == {"id": article["id"], "helpful_votes": 2, "unhelpful_votes": 1}
    shown = (await system.intake.get(f"/v1/articles/{article['id']}")).json()
    assert (shown["helpful_votes"], shown["unhelpful_votes"]) == (2, 1)
    assert _search_counts(await _search(system, "payment")) == [(2, 1)]

    draft = await _write(system, staff, PASSWORD_RU, status="draft")
    refused = await system.intake.post(f"/v1/articles/{draft['id']}/votes", json={"helpful": True})
    assert refused.status_code == 404
    bad = await system.intake.post(votes, json={"helpful": "maybe"})
    assert bad.status_code == 422
    assert "helpful" in {p["field"] for p in bad.json()["errors"]}


async def test_a_reader_who_gives_their_voter_id_counts_once(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PAYMENT_EN)
    votes = f"/v1/articles/{article['id']}/votes"
    reader, other = str(uuid.uuid4()), str(uuid.uuid4())

    async def answer(helpful: bool, voter: str | None) -> tuple[int, int]:
        body: dict[str, Any] = {"helpful": helpful}
        if voter is not None:
            body["voter"] = voter
        response = await system.intake.post(votes, json=body)
        assert response.status_code == 200, response.text
        return response.json()["helpful_votes"], response.json()["unhelpful_votes"]

    assert await answer(True, reader) == (1, 0)
    assert await answer(True, reader) == (1, 0)  # the same answer again
    assert await answer(False, reader) == (0, 1)  # changed their mind: the vote moves
    assert await answer(True, other) == (1, 1)
    assert await answer(True, None) == (2, 1)  # without an id, every answer counts
    # Many at once from one reader still count once.
    results = await asyncio.gather(
        *(
            system.intake.post(votes, json={"helpful": True, "voter": str(uuid.UUID(int=7))})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in results} == {200}
    shown = (await system.intake.get(f"/v1/articles/{article['id']}")).json()
    assert (shown["helpful_votes"], shown["unhelpful_votes"]) == (3, 1)

    bad = await system.intake.post(votes, json={"helpful": True, "voter": "me"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "voter"
    missing = await system.intake.post(
        f"/v1/articles/{uuid.uuid4()}/votes", json={"helpful": True, "voter": reader}
    )
    assert missing.status_code == 404
    # An article goes for good with its votes.
    path = f"/v1/articles/{article['id']}"
    assert (await system.intake.delete(path, headers=staff)).status_code == 204


def _search_counts(found: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(item["helpful_votes"], item["unhelpful_votes"]) for item in found]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/v1/articles", {**PAYMENT_RU, "title": ""}, "title"),
        ("POST", "/v1/articles", {**PAYMENT_RU, "language": "de"}, "language"),
        ("POST", "/v1/articles", {**PAYMENT_RU, "tags": ["x"] * 21}, "tags"),
        ("POST", "/v1/articles", {**PAYMENT_RU, "status": "archived"}, "status"),
        ("POST", "/v1/articles", {**PAYMENT_RU, "priority": 1}, "priority"),
        ("POST", "/v1/articles", {"language": "ru", "title": "T"}, "body"),
        ("PATCH", "/v1/articles/{id}", {"title": None}, "title"),
        ("PATCH", "/v1/articles/{id}", {"body": " "}, "body"),
        ("GET", "/v1/articles/search?q=", None, "q"),
        ("GET", "/v1/articles/search?q=%21%3F%20%26", None, "q"),
        ("GET", "/v1/articles/search?q=api&language=de", None, "language"),
        ("GET", "/v1/articles?limit=0", None, "limit"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    system: System, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PASSWORD_RU)
    response = await system.intake.request(
        method, path.replace("{id}", article["id"]), json=body, headers=staff
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {p["field"] for p in response.json()["errors"]}
    assert field in response.json()["detail"]


async def test_a_new_ticket_gets_matching_articles_in_its_language_first(
    system: System,
) -> None:
    # No article yet: nothing to suggest (and no search is made).
    assert (await new_ticket(system))["suggested_articles"] == []
    staff = await agent(system)
    ru = await _write(system, staff, PAYMENT_RU)
    en = await _write(system, staff, PAYMENT_EN)
    password = await _write(system, staff, PASSWORD_RU)
    draft = await _write(system, staff, {**PAYMENT_RU, "title": "Оплата по счёту"}, status="draft")

    # «Не проходит оплата» / «При оплате картой страница зависает», in Russian: the payment
    # article. The password one shares only a page («странице») in passing: not suggested.
    created = await new_ticket(system, "olga@example.com")
    suggested = created["suggested_articles"]
    assert [item["id"] for item in suggested] == [ru["id"]]
    assert password["id"] not in {item["id"] for item in suggested}
    assert draft["id"] not in {item["id"] for item in suggested}
    assert suggested[0]["url"] == f"{system.settings.public.site_url}/help/articles/{ru['id']}"
    assert suggested[0]["snippet"].startswith("Оплата принимается картой или по счёту")

    english = ticket_body(
        "john@example.com",
        customer={"email": "john@example.com", "name": "John", "language": "en"},
        subject="Payment declined",
        body="My card payment fails; the «оплата» page says error.",
    )
    response = await system.intake.post("/v1/tickets", json=english)
    assert response.status_code == 201, response.text
    # The English article answers it; the Russian one shares a single quoted word: noise.
    assert [item["id"] for item in response.json()["suggested_articles"]] == [en["id"]]

    unrelated = await new_ticket(system, "petr@example.com", subject="Доставка", body="Где заказ?")
    assert unrelated["suggested_articles"] == []


async def test_the_receipt_carries_the_suggested_articles(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PAYMENT_RU)
    # Filed by staff for the customer: the address is vouched for (issue 14).
    await new_ticket(system, headers=staff, channel="api")
    (mail,) = await system.wait_for_mail(1)
    link = f"{system.settings.public.portal_public_url}/help/articles/{article['id']}"
    text = text_of(mail)
    assert "Возможно, ответ уже есть в нашей базе знаний" in text
    assert f"{PAYMENT_RU['title']}: {link}" in text
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    assert f'<a href="{link}">{PAYMENT_RU["title"]}</a>' in str(html.get_content())  # type: ignore[attr-defined]
    # Through the anonymous form, to an address that never wrote: the articles were chosen
    # by the submitter's words, so they are not sent.
    await new_ticket(system, "olga@example.com")
    mails = await system.wait_for_mail(2)
    [stranger] = [m for m in mails if m["To"] == "olga@example.com"]
    assert PAYMENT_RU["title"] not in text_of(stranger)


async def test_a_follow_up_on_a_closed_ticket_gets_suggestions_too(system: System) -> None:
    staff = await agent(system)
    article = await _write(system, staff, PAYMENT_RU)
    ticket = await new_ticket(system, "pavel@example.com", subject="Вопрос", body="Вопрос по счёту")
    for status in ("in_progress", "resolved", "closed"):
        assert (await move(system, staff, ticket["id"], status)).status_code == 200
    customer = bearer(ticket["access_token"])
    again = await system.intake.post(
        f"/v1/tickets/{ticket['id']}/messages",
        json={"body": "Опять не проходит оплата картой"},
        headers=customer,
    )
    assert again.status_code == 201, again.text
    suggested = again.json()["ticket"]["suggested_articles"]
    assert [item["id"] for item in suggested] == [article["id"]]


async def test_a_retired_article_is_staffs_alone_until_published_again(system: System) -> None:
    """Retiring withdraws an article from readers (read, list, search, votes, suggestions)
    and keeps it, with its votes, for staff, who find it by its status."""
    staff = await agent(system)
    article = await _write(system, staff, PAYMENT_RU)
    path = f"/v1/articles/{article['id']}"
    assert (await system.intake.post(f"{path}/votes", json={"helpful": True})).status_code == 200

    retired = await system.intake.patch(path, json={"status": "retired"}, headers=staff)
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired" and retired.json()["helpful_votes"] == 1
    customer = bearer((await new_ticket(system))["access_token"])
    for headers in ({}, customer):
        assert (await system.intake.get(path, headers=headers)).status_code == 404
        assert await _search(system, "оплатой", headers) == []
        assert await _search(system, "оплатой", headers, status="retired") == []
        assert (await system.intake.get("/v1/articles", headers=headers)).json() == []
        listed = await system.intake.get("/v1/articles?status=retired", headers=headers)
        assert listed.json() == []
    vote = await system.intake.post(f"{path}/votes", json={"helpful": True})
    assert vote.status_code == 404
    ticket = await new_ticket(system, subject="Не проходит оплата подписки")
    assert ticket["suggested_articles"] == []

    staff_list = (await system.intake.get("/v1/articles?status=retired", headers=staff)).json()
    assert [(a["id"], a["status"]) for a in staff_list] == [(article["id"], "retired")]
    assert (await system.intake.get("/v1/articles?status=draft", headers=staff)).json() == []
    assert _titles(await _search(system, "оплатой", staff)) == [PAYMENT_RU["title"]]

    again = await system.intake.patch(path, json={"status": "published"}, headers=staff)
    stamped = datetime.fromisoformat(again.json()["published_at"])
    assert stamped > datetime.fromisoformat(article["published_at"])
    assert _titles(await _search(system, "оплатой")) == [PAYMENT_RU["title"]]


async def test_staff_search_one_status_at_a_time(system: System) -> None:
    staff = await agent(system)
    published = await _write(system, staff, PAYMENT_RU)
    draft = await _write(system, staff, {**PASSWORD_RU, "body": "Оплата и пароль."}, status="draft")
    both = await _search(system, "оплаты", staff)
    assert {a["id"] for a in both} == {published["id"], draft["id"]}
    drafts = await _search(system, "оплаты", staff, status="draft")
    assert [(a["id"], a["status"]) for a in drafts] == [(draft["id"], "draft")]
    shown = await _search(system, "оплаты", staff, status="published")
    assert [a["id"] for a in shown] == [published["id"]]
    # Anyone else asking for drafts finds none; for published ones, the same as without.
    assert await _search(system, "оплаты", status="draft") == []
    assert [a["id"] for a in await _search(system, "оплаты", status="published")] == [
        published["id"]
    ]
    bad = await system.intake.get(
        "/v1/articles/search", params={"q": "оплата", "status": "gone"}, headers=staff
    )
    assert bad.status_code == 422 and "status" in {p["field"] for p in bad.json()["errors"]}
