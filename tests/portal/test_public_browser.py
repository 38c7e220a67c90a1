"""The portal's public pages in Debian's Chromium, on a phone's screen: a customer files a
request with a screenshot attached (suggestions appear as they type), joins the beta only by
pressing its button, sees the desk's status; a Russian article is found by an inflected word."""

from __future__ import annotations

import re

from playwright.async_api import expect

from services.notifier import repository
from services.notifier.domain.messages import BETA_LINK_PURPOSE
from tests.intake.helpers import agent
from tests.portal.conftest import Portal
from tests.support import System, eventually

EMAIL = "oleg@example.com"


async def _article(system: System, **fields: str) -> dict[str, str]:
    body = {"language": "ru", "status": "published", **fields}
    written = await system.intake.post("/v1/articles", json=body, headers=await agent(system))
    assert written.status_code == 201, written.text
    created: dict[str, str] = written.json()
    return created


async def _beta_members(system: System) -> int:
    async with system.runtime("notifier").db.sessions() as session:
        return len(await repository.beta_members(session))


async def test_a_customer_files_with_a_screenshot_and_joins_the_beta(portal: Portal) -> None:
    system = portal.system
    await _article(system, title="Как оплатить подписку", body="Оплата картой или по счёту.")
    page = await portal.page()
    await page.goto("/new")
    await page.get_by_label("Ваше имя").fill("Олег")
    await page.get_by_label("Электронная почта для ответа").fill(EMAIL)
    await page.get_by_label("Тема обращения").select_option("bug")
    await page.get_by_label("Кратко, о чём обращение").fill("Не проходит оплата")
    # Articles that may answer it, while the customer is still typing (htmx).
    await expect(page.locator("#suggestions")).to_contain_text("Как оплатить подписку")
    await page.get_by_label("Подробно").fill("Карта отклонена, скриншот во вложении.")
    screenshot = await page.screenshot()
    files = page.get_by_label("Файлы")
    await files.set_input_files(
        {"name": "screen.png", "mimeType": "image/png", "buffer": screenshot}
    )
    await portal.screenshot(page, "portal-file")
    await page.get_by_role("button", name="Отправить обращение").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Обращение принято")
    number = re.search(r"SC-\d{6}", await page.locator(".number").inner_text())
    assert number

    staff = await agent(system)
    ticket = (await system.intake.get(f"/v1/tickets/{number[0]}", headers=staff)).json()
    [attached] = ticket["attachments"]
    assert (attached["filename"], attached["size"]) == ("screen.png", len(screenshot))

    # The beta link from our mail: the page alone changes nothing, the button joins. (The
    # notifier knows the customer once it has handled the new ticket's event.)
    await eventually(lambda: system.count_rows("notifier", "ticket_contact"), bool)
    token = system.runtime("notifier").signer.sign_value(BETA_LINK_PURPOSE, EMAIL)
    await page.goto(f"/beta/opt-in?token={token}")
    button = page.get_by_role("button", name="Участвовать в бета-программе")
    await expect(button).to_be_visible()
    assert await _beta_members(system) == 0
    await button.click()
    await expect(page.get_by_role("status")).to_have_text("Вы участвуете в бета-программе.")
    assert await _beta_members(system) == 1

    await page.goto("/status")
    await expect(page.get_by_role("heading", name="Статус поддержки")).to_be_visible()
    await expect(page.get_by_role("heading", name="Праздничные дни впереди")).to_be_visible()


async def test_the_knowledge_base_finds_a_russian_article_by_an_inflected_word(
    portal: Portal,
) -> None:
    await _article(
        portal.system,
        title="Как оплатить подписку",
        body="Оплата принимается **картой** или по счёту.",
    )
    await _article(portal.system, title="Восстановление пароля", body="Нажмите «Забыли пароль?».")
    page = await portal.page(phone=False)
    await page.goto("/kb")
    await page.get_by_label("Что вы ищете").fill("оплатой")
    await page.get_by_role("button", name="Найти").click()
    results = page.locator(".articles li")
    await expect(results).to_have_count(1)
    await portal.screenshot(page, "portal-kb")
    await results.get_by_role("link", name="Как оплатить подписку").click()
    await expect(page).to_have_url(re.compile(r"/kb/[0-9a-f-]{36}-kak-oplatit-podpisku$"))
    await page.get_by_role("button", name="Да").click()
    await expect(page.get_by_role("status")).to_have_text("Спасибо, ваш ответ учтён.")
