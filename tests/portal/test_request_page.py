"""The customer's request page in a real browser (issue 17): opened from the receipt's link
in the mail's HTML part, the key traded for a cookie at once; a reply with a file, a senior's
review asked for, and after an agent resolves it a rating; a lost link sent again."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.intake.helpers import agent, move
from tests.portal.conftest import Portal
from tests.support import eventually, ticket_body

EMAIL = "maria@example.com"


async def test_a_customer_follows_replies_asks_for_review_rates_and_gets_a_new_link(
    portal: Portal,
) -> None:
    system = portal.system
    filed = await system.intake.post("/v1/tickets", json=ticket_body(EMAIL))
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]
    [link] = await portal.mailed_links(EMAIL, f"/requests/{number}?key=")

    page = await portal.page()
    await page.goto(link)
    # The key left the address at once: it is in an HttpOnly cookie of this request only.
    await expect(page).to_have_url(f"{portal.url}/requests/{number}")
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "sviftdesk_portal_key"]
    assert cookie["httpOnly"] and cookie["path"] == f"/requests/{number}"
    await expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    await expect(page.get_by_text("Мы ответим не позднее чем")).to_be_visible()

    await page.get_by_label("Ваше сообщение").fill("Вот снимок экрана с ошибкой.")
    await page.get_by_label("Файлы (необязательно)").set_input_files(
        {"name": "screen.png", "mimeType": "image/png", "buffer": b"\x89PNG fake"}
    )
    await page.get_by_role("button", name="Отправить").click()
    await expect(page.get_by_role("status")).to_have_text("Ваше сообщение отправлено.")
    await expect(page.get_by_text("Вот снимок экрана с ошибкой.")).to_be_visible()
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="screen.png").click()
    download = await downloading.value
    assert download.suggested_filename == "screen.png"

    await page.get_by_label("Почему это нужно").fill("Третий день не могу оплатить")
    await page.get_by_role("button", name="Попросить рассмотрения").click()
    await expect(page.get_by_role("status")).to_contain_text("старший специалист")

    staff = await agent(system)
    resolved = await move(system, staff, filed.json()["id"], "resolved")
    assert resolved.status_code == 200, resolved.text
    await page.reload()
    await expect(page.get_by_role("heading", name=re.compile("Статус: решено"))).to_be_visible()
    await page.get_by_label("5").check()
    await page.get_by_label("Комментарий (необязательно)").fill("Быстро и понятно")
    await page.get_by_role("button", name="Оценить").click()
    await expect(page.get_by_role("status")).to_have_text("Спасибо! Ваша оценка сохранена.")
    await portal.screenshot(page, "portal-request")

    ratings = await system.intake.get("/v1/ratings", headers=staff)
    assert [(r["score"], r["comment"]) for r in ratings.json()] == [(5, "Быстро и понятно")]
    ticket = (await system.intake.get(f"/v1/tickets/{number}", headers=staff)).json()
    [reply] = [m for m in ticket["messages"] if m["author"] == "customer"]
    assert [a["filename"] for a in reply["attachments"]] == ["screen.png"]

    # Lost the link: asked for by address, on a phone without the cookie.
    other = await portal.page()
    await other.goto(f"/requests/{number}")
    await expect(other.get_by_role("alert")).to_contain_text("перейдите по ссылке из письма")
    await other.get_by_role("link", name="Прислать новую ссылку").click()
    await other.get_by_label("Ваш адрес электронной почты").fill(EMAIL)
    await other.get_by_role("button", name="Прислать ссылку").click()
    await expect(other.get_by_role("status")).to_contain_text("Проверьте почту")

    async def fresh() -> list[str]:
        found = await portal.mailed_links(EMAIL, f"/requests/{number}?key=")
        return [new for new in found if new != link]

    [new_link] = await eventually(fresh, bool, timeout=30, interval=0.5)
    await other.goto(new_link)
    await expect(other).to_have_url(f"{portal.url}/requests/{number}")
    await expect(other.get_by_role("heading", level=1)).to_contain_text(number)
    # The old key opens it no more.
    await page.reload()
    await expect(page.get_by_role("alert")).to_contain_text("больше не действует")
