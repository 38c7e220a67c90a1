"""What a tester found driving every console page in the browser, kept from coming back:
long unbroken words widen no page, the knowledge base's styles apply at desktop width too,
and an address no service could have issued is a page's "not found", never a 500; the
language switch goes back to no other site."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import issue, new_ticket

LONG_LINK = "https://example.com/logs?" + "a1" * 1500  # one word, 3000 characters


async def _fits(page: Page, path: str, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 800})
    response = await page.goto(path)
    assert response is not None and response.status == 200, path
    scrolled = await page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{path} at {width} px is {scrolled} px wide"


async def test_long_words_and_wide_tables_stay_inside_the_page(desk: Desk) -> None:
    system = desk.system
    _, staff = await issue(system, Role.agent, email="writer@sviftcommunity.ru")
    filed = await new_ticket(system, "ivan@example.com", body=f"Вот журнал: {LONG_LINK}")
    asked = await system.intake.post(
        f"/v1/tickets/{filed['id']}/escalation",
        json={"reason": f"Смотрите {LONG_LINK[:2000]}"},
        headers={"Authorization": f"Bearer {filed['access_token']}"},
    )
    assert asked.status_code in (200, 201, 202), asked.text
    table = "| a | b |\n|---|---|\n| " + "w" * 400 + " | 2 |\n"
    article = await system.intake.post(
        "/v1/articles",
        json={"title": "Таблица", "body": table, "language": "ru", "status": "draft"},
        headers=staff,
    )
    assert article.status_code == 201, article.text
    await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    page = await signed_in(desk, await desk.agent_id("admin@sviftcommunity.ru"), Role.admin)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )

    for width in (1280, 390):
        await _fits(page, f"/tickets/{filed['id']}", width)
        await _fits(page, "/escalations", width)
        await _fits(page, f"/knowledge/{article.json()['id']}", width)
    await page.goto(f"/tickets/{filed['id']}")
    await desk.screenshot(page, "qa-long-text-390")
    assert errors == []  # no CSP refusal, no failed script or request

    # A NUL in the address was a bare 500 from httpx; now the console's own page says so.
    for bad in ("%00", "a%0Ab", str(uuid.uuid4())):
        response = await page.goto(f"/tickets/{bad}")
        assert response is not None and response.status == 404, bad
        await expect(page.get_by_role("link", name="Очередь").first).to_be_visible()

    # The language switch goes back to the page it was chosen on, and only to a page of ours.
    csrf = await page.locator("input[name=csrf]").first.input_value()
    for back, to in (("/incidents", "/incidents"), ("/\\evil.example", "/queue")):
        form = {"csrf": csrf, "language": "ru", "back": back}
        answer = await page.request.post("/language", form=form, max_redirects=0)
        assert answer.status == 303 and answer.headers["location"] == to, back
    tabbed = {"csrf": csrf, "language": "ru", "back": "/\t/evil.example"}
    answer = await page.request.post("/language", form=tabbed, max_redirects=0)
    assert answer.headers["location"] == "/queue"

    # A stale tab's form (its CSRF token no longer the session's) is refused, the reply kept.
    await page.goto(f"/tickets/{filed['id']}")
    await page.evaluate(
        "document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'old')"
    )
    await page.get_by_label("Ответ клиенту").fill("Длинный ответ, который жалко потерять")
    await page.get_by_role("button", name="Отправить ответ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Форма устарела")
    unsent = page.get_by_label("Ваш неотправленный текст")
    await expect(unsent).to_have_value("Длинный ответ, который жалко потерять")
