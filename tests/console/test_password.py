"""Passwords in the console (issue 16): an agent who came in by a mailed link sets a password,
signs out, and signs in with it; a wrong one is refused next to the field with the address
kept; changing it ends the agent's other sessions and keeps this one."""

from __future__ import annotations

import re

from playwright.async_api import expect

from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import issue
from tests.support import eventually, text_of

AGENT = "vera@sviftcommunity.ru"
PASSWORD = "семь пятниц на неделе"
NEW_PASSWORD = "a long walk on the beach"


async def test_an_agent_sets_a_password_and_signs_in_with_it(desk: Desk) -> None:
    await issue(desk.system, Role.agent, email=AGENT)
    page = await desk.page()

    # In by a mailed link, as today; the account page says there is no password yet.
    await page.goto("/sign-in")
    await page.get_by_label("Рабочий адрес").fill(AGENT)
    await page.get_by_role("button", name="Прислать ссылку для входа").click()
    await expect(page.get_by_role("status")).to_contain_text("Если адрес принадлежит сотруднику")
    first_link = await desk.sign_in_link(AGENT)
    await page.goto(first_link)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page).to_have_url(f"{desk.url}/queue")
    await page.get_by_role("link", name="Учётная запись").click()
    await expect(page.locator(".facts")).to_contain_text("не задан")

    # Too short: intake's reason beside the field; then a good one.
    await page.get_by_label("Новый пароль").fill("коротко")
    await page.get_by_role("button", name="Сохранить пароль").click()
    await expect(page.locator("#new-password-error")).to_contain_text("15")
    await expect(page.get_by_label("Новый пароль")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Новый пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Сохранить пароль").click()
    await expect(page.get_by_role("status")).to_contain_text("Пароль сохранён")
    await expect(page.locator(".facts")).to_contain_text("задан")
    await desk.screenshot(page, "account")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})

    # Out, and back in with the password; a wrong one keeps the address and says why.
    await page.get_by_role("button", name="Выйти").click()
    await expect(page).to_have_url(f"{desk.url}/sign-in")
    await page.get_by_label("Рабочий адрес").fill(AGENT)
    await page.get_by_label("Пароль").fill("семь пятниц на неделю")
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.locator("#password-error")).to_contain_text("Неверный адрес или пароль")
    await expect(page.get_by_label("Рабочий адрес")).to_have_value(AGENT)
    await expect(page.get_by_label("Пароль")).to_have_value("")
    await desk.screenshot(page, "sign-in-password")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    # Another site's form cannot sign this browser in to anyone's account.
    for elsewhere_said in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        forged = await page.request.post(
            "/sign-in/password",
            form={"email": AGENT, "password": PASSWORD},
            headers=elsewhere_said,
            max_redirects=0,
        )
        assert forged.status == 403
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page).to_have_url(f"{desk.url}/queue")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "sviftdesk_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # A change needs the current password (signed in by password, not a fresh link), and
    # ends the agent's other sessions while this one goes on.
    elsewhere = await signed_in(desk, await desk.agent_id(AGENT))
    await page.goto("/account")
    await page.get_by_label("Текущий пароль").fill("не тот")
    await page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Сохранить пароль").click()
    await expect(page.locator("#current-password-error")).to_contain_text("not the current")
    await page.get_by_label("Текущий пароль").fill(PASSWORD)
    await page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Сохранить пароль").click()
    await expect(page.get_by_role("status")).to_contain_text("Другие сеансы завершены: 1")
    await elsewhere.goto("/queue")
    await expect(elsewhere).to_have_url(f"{desk.url}/sign-in?ended=1")
    await page.goto("/queue")
    await expect(page).to_have_url(f"{desk.url}/queue")

    # Forgotten: a mailed link lets the agent choose a new one without the current one, for
    # as long as the link would have worked.
    await page.get_by_role("button", name="Выйти").click()
    await page.get_by_label("Рабочий адрес").fill(AGENT)
    await page.get_by_role("button", name="Прислать ссылку для входа").click()
    await expect(page.get_by_role("status")).to_contain_text("Если адрес принадлежит сотруднику")
    # Mail files are not kept in the order they were sent: the new link is the other one.
    links = await eventually(
        lambda: links_to(desk, AGENT), lambda found: len(found) == 2, timeout=30, interval=0.5
    )
    [link] = links - {first_link}
    await page.goto(link)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await page.goto("/account")
    await expect(page.locator("form.card")).to_contain_text("Вы вошли по ссылке из письма")
    await expect(page.get_by_label("Текущий пароль")).to_have_count(0)
    await page.get_by_label("Новый пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Сохранить пароль").click()
    await expect(page.get_by_role("status")).to_contain_text("Пароль сохранён")
    await expect(page.get_by_label("Текущий пароль")).to_be_visible()


async def links_to(desk: Desk, address: str) -> set[str]:
    return {
        link
        for mail in desk.system.mail()
        if address in str(mail["To"])
        for link in re.findall(r"http://\S+/sign-in/\S+", text_of(mail))
    }
