"""The knowledge base in the console (issue 16, clause 16): an agent writes a Russian article,
previews it as a customer will read it, publishes it, finds it by another form of a word, and
retires it; and the Markdown preview lets nothing run."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import expect

from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import issue

AGENT = "lena@sviftcommunity.ru"
TITLE = "Как оплатить подписку картой"
BODY = (
    "Оплата подписки принимается **банковской картой**.\n\n"
    "- откройте [настройки оплаты](https://sviftcommunity.ru/billing)\n"
    "- нажмите «Оплатить»\n\n"
    "<script>alert(1)</script> [не ссылка](javascript:alert(1))"
)


# The journey, in Chromium.


async def _public_search(desk: Desk, q: str) -> list[dict[str, Any]]:
    """What anyone (the site, a customer) finds through intake's public article search."""
    response = await desk.system.intake.get("/v1/articles/search", params={"q": q})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_an_agent_writes_publishes_finds_and_retires_an_article(desk: Desk) -> None:
    await issue(desk.system, Role.agent, email=AGENT)
    page = await signed_in(desk, await desk.agent_id(AGENT))
    await page.goto("/knowledge")
    await page.get_by_role("link", name="Новая статья").click()

    # Refused by intake: the reason beside the field, what was typed kept.
    await page.get_by_label("Теги").fill("оплата, подписка")
    await page.get_by_label("Текст статьи").fill(BODY)
    await page.get_by_role("button", name="Сохранить черновик").click()
    await expect(page.locator("#kb-title-error")).to_be_visible()
    await expect(page.get_by_label("Текст статьи")).to_have_value(BODY)
    await expect(page.get_by_label("Теги")).to_have_value("оплата, подписка")

    # The preview, as a customer will read it: Markdown rendered, nothing of the HTML run.
    await page.get_by_label("Заголовок").fill(TITLE)
    await page.get_by_role("button", name="Предпросмотр").click()
    preview = page.locator("article.kb-preview")
    await expect(preview.locator(".kb-preview-title")).to_have_text(TITLE)
    await expect(preview.locator("strong")).to_have_text("банковской картой")
    await expect(preview.locator("li")).to_have_count(2)
    await expect(preview.get_by_role("link", name="настройки оплаты")).to_have_attribute(
        "href", "https://sviftcommunity.ru/billing"
    )
    await expect(preview).to_contain_text("<script>alert(1)</script>")
    await expect(preview.locator("script, a[href^='javascript']")).to_have_count(0)
    await expect(page.get_by_label("Заголовок")).to_have_value(TITLE)
    await desk.screenshot(page, "knowledge-article")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})

    # Saved as a draft: staff's alone until published.
    await page.get_by_role("button", name="Сохранить черновик").click()
    await expect(page.get_by_role("status")).to_have_text("Статья сохранена.")
    await expect(page.locator(".kb-facts")).to_contain_text("черновик")
    article_url = page.url.split("?")[0]
    assert await _public_search(desk, "подписки") == []

    # Published, once confirmed.
    await page.get_by_role("link", name="Опубликовать").click()
    await expect(page.get_by_text("Её увидят клиенты")).to_be_visible()
    await page.get_by_role("button", name="Да, опубликовать").click()
    await expect(page.get_by_role("status")).to_have_text("Статья опубликована.")
    await expect(page.locator(".kb-facts")).to_contain_text("опубликована")
    found = await _public_search(desk, "подписки")
    assert [item["title"] for item in found] == [TITLE]
    article_id = found[0]["id"]
    assert article_url.endswith(article_id)

    # Changed while published: customers read the saved text at once.
    await page.get_by_label("Текст статьи").fill(BODY + "\n\nОплата картой **Мир** тоже.")
    await page.get_by_role("button", name="Сохранить", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Статья сохранена.")
    await expect(page.locator("article.kb-preview strong").last).to_have_text("Мир")
    read = await desk.system.intake.get(f"/v1/articles/{article_id}")
    assert read.json()["body"].endswith("**Мир** тоже.")

    # A reader's "Did this help?" shows in the console.
    vote = await desk.system.intake.post(
        f"/v1/articles/{article_id}/votes", json={"helpful": True, "voter": str(uuid.uuid4())}
    )
    assert vote.status_code == 200, vote.text

    # The console's search finds it by another form of a word, among the published.
    await page.goto("/knowledge")
    await page.get_by_label("Искать в базе знаний").fill("оплатой")
    await page.get_by_label("Статус статьи").select_option("published")
    await page.get_by_role("button", name="Искать статьи").click()
    row = page.get_by_role("table", name="Статьи").locator("tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(TITLE)
    await expect(row).to_contain_text("помогла: 1")
    await desk.screenshot(page, "knowledge")
    await page.set_viewport_size({"width": 390, "height": 844})
    await desk.screenshot(page, "knowledge-390")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.get_by_label("Статус статьи").select_option("draft")
    await page.get_by_role("button", name="Искать статьи").click()
    await expect(row).to_have_text("Ничего не найдено.")

    # Retired, once confirmed: gone from the public search, kept for staff.
    await page.goto(article_url)
    await page.get_by_role("link", name="Снять с публикации").click()
    await page.get_by_role("button", name="Да, снять с публикации").click()
    await expect(page.get_by_role("status")).to_have_text("Статья снята с публикации.")
    assert await _public_search(desk, "подписки") == []
    await page.goto("/knowledge?status=retired")
    await expect(row).to_contain_text(TITLE)

    # A mangled address gets the page with intake's reason beside the filter, not a 500.
    response = await page.goto("/knowledge?status=gone&offset=x")
    assert response is not None and response.status == 422
    await expect(page.locator(".kb-filters .error")).to_contain_text("retired")
