"""The agent console in Chromium: an agent signs in from the mailed link, takes the next
request, replies, and the customer gets the reply by mail; what keeps others out."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from playwright.async_api import Page, expect
from sqlalchemy import update

from services.console import tables
from shared import signin
from shared.auth import Role
from tests.console.conftest import Desk
from tests.intake.helpers import issue, new_ticket
from tests.support import eventually, text_of

AGENT = "anna@sviftcommunity.ru"


async def test_an_agent_works_the_queue_from_the_browser(desk: Desk) -> None:
    """Signs in from the mailed link, takes the next request, replies, and the customer gets
    the reply by mail; CSRF, a used link, sign-out, an expired session and revocation keep
    others out. One system and one browser for all of it: each costs seconds to start."""
    system = desk.system
    await issue(system, Role.agent, email=AGENT)
    first = await new_ticket(system, "ivan@example.com", subject="Не проходит оплата")
    page = await desk.page()

    # Signing in: the address, the mailed link, its button (opening it alone does nothing).
    await page.goto("/queue")
    await expect(page).to_have_url(f"{desk.url}/sign-in?ended=1")
    await desk.screenshot(page, "sign-in")
    await page.get_by_label("Рабочий адрес").fill("nobody@sviftcommunity.ru")
    await page.get_by_role("button", name="Прислать ссылку для входа").click()
    unknown = page.get_by_role("status")
    await expect(unknown).to_contain_text("Если адрес принадлежит сотруднику")
    await page.goto("/sign-in")
    await page.get_by_label("Рабочий адрес").fill(AGENT.upper())
    await page.get_by_role("button", name="Прислать ссылку для входа").click()
    await expect(page.get_by_role("status")).to_contain_text("Если адрес принадлежит сотруднику")
    link = await desk.sign_in_link(AGENT)
    assert not any("nobody@" in str(m["To"]) for m in system.mail())
    await page.goto(link)
    await page.get_by_role("button", name="Войти").click()
    await expect(page).to_have_url(f"{desk.url}/queue")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "sviftdesk_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0

    # The queue by arrival, with the time left to the first answer; a new request appears
    # without a reload.
    rows = page.locator("#queue-rows tr")
    await expect(rows.first).to_contain_text(first["number"])
    await expect(rows.first.locator("td").nth(4)).to_contain_text("ч")
    second = await new_ticket(system, "olga@example.com", subject="Вопрос о тарифе")
    await expect(rows.nth(1)).to_contain_text(second["number"], timeout=15_000)
    await desk.screenshot(page, "queue")
    # At a phone's width the page fits: nothing scrolls sideways.
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await desk.screenshot(page, "queue-390")
    await page.set_viewport_size({"width": 1280, "height": 720})

    # Take next: the oldest request; the reply goes to the customer by mail.
    await page.get_by_role("button", name="Взять следующий").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(first["number"])
    ticket_url = page.url

    # Search from any page: "/" focuses the box; words in other forms find the request.
    await page.keyboard.press("/")
    await expect(page.get_by_label("Поиск обращений")).to_be_focused()
    await page.keyboard.type("оплатой проходят")
    await page.keyboard.press("Enter")
    found = page.get_by_role("table", name="Найдено")
    await expect(found).to_contain_text(first["number"])
    await expect(found).not_to_contain_text(second["number"])
    # Nobody has answered it yet: it needs a reply.
    await page.get_by_role("link", name="Ждут ответа").click()
    await expect(page.locator("tbody")).to_contain_text(first["number"])

    # A canned reply of her own: a placeholder typo is refused beside the field, text kept.
    await page.get_by_role("link", name="Шаблоны ответов").click()
    await page.get_by_label("Название").fill("Лимит по карте")
    await page.get_by_label("Текст", exact=True).fill("{name}, проверьте лимит")
    await page.get_by_role("button", name="Создать").click()
    await expect(page.locator("#canned-body-error")).to_contain_text("{name}")
    await expect(page.get_by_label("Название")).to_have_value("Лимит по карте")
    await page.get_by_label("Текст", exact=True).fill(
        "{customer_name}, по обращению {ticket_number} проверьте, пожалуйста, лимит по карте."
        " Ответим до {expected_answer_time}."
    )
    await page.get_by_role("button", name="Создать").click()
    await expect(page.get_by_role("table", name="Шаблоны ответов")).to_contain_text("Лимит")

    # Inserted into the reply box filled in (the clock's due time in Moscow time), and sent.
    await page.goto(ticket_url)
    await page.get_by_label("Шаблон ответа").select_option(label="Лимит по карте (ru)")
    await page.get_by_role("button", name="Вставить").click()
    filled = re.compile(
        f"^Иван Петров, по обращению {first['number']} проверьте, пожалуйста, лимит по карте."
        r" Ответим до \d\d\.\d\d\.\d{4} \d\d:\d\d \(МСК\)\.$"
    )
    await expect(page.get_by_label("Ответ клиенту")).to_have_value(filled)
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    await page.get_by_role("button", name="Отправить ответ").click()
    await expect(page.locator(".timeline")).to_contain_text(f"по обращению {first['number']}")

    # A refused move keeps what was typed and shows the API's reason next to the field.
    await page.get_by_label("Перевести в статус").select_option("resolved")
    await page.get_by_label("Партнёр", exact=True).fill("PayCo")
    await page.get_by_role("button", name="Перевести", exact=True).click()
    await expect(page.locator("#partner-reference + .error")).to_contain_text("at least 1")
    await expect(page.get_by_label("Партнёр", exact=True)).to_have_value("PayCo")
    await desk.screenshot(page, "ticket-move-refused")

    # Resolved with the summary the customer reads: they get the reply and the report.
    await page.get_by_label("Партнёр", exact=True).fill("")
    await page.get_by_label("Сообщение клиенту (при решении — итог)").fill("Лимит увеличен.")
    await page.get_by_role("button", name="Перевести", exact=True).click()
    await expect(page.locator("#status")).to_have_text("решено")

    def told(mails: list[EmailMessage]) -> bool:
        to_ivan = [text_of(m) for m in mails if "ivan@example.com" in str(m["To"])]
        return any(
            f"по обращению {first['number']}" in text and "(МСК)" in text for text in to_ivan
        ) and any("Лимит увеличен." in text for text in to_ivan)

    await eventually(lambda: system.wait_for_mail(1), told, timeout=30, interval=0.5)

    # English by the agent's choice.
    await page.get_by_label("Язык").select_option("en")
    await page.get_by_role("button", name="Применить").click()
    await expect(page.get_by_role("button", name="Send reply")).to_be_visible()

    # A form without the session's CSRF token is refused and changes nothing.
    forged = await page.request.post(
        ticket_url + "/messages", form={"body": "forged"}, max_redirects=0
    )
    assert forged.status == 403
    await page.reload()
    await expect(page.locator(".timeline")).not_to_contain_text("forged")

    # The link worked once; signing out ends the session for good.
    used = await desk.page()
    await used.goto(link)
    await used.get_by_role("button", name="Войти").click()
    await expect(used.get_by_role("status")).to_contain_text("уже использована")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{desk.url}/sign-in")
    await page.context.add_cookies([cookie])  # type: ignore[list-item]
    await page.goto("/queue")
    await expect(page).to_have_url(f"{desk.url}/sign-in?ended=1")

    agent_id = await desk.agent_id(AGENT)
    # An expired session lets no one in; a reply sent as it expired is shown to be kept.
    expired = await signed_in(desk, agent_id)
    await expired.goto(ticket_url)
    await expired.get_by_label("Ответ клиенту").fill("Черновик, который жалко потерять")
    async with desk.runtime.db.transaction() as session:
        past = datetime.now(UTC) - timedelta(minutes=1)
        await session.execute(update(tables.session).values(expires_at=past))
    await expired.get_by_role("button", name="Отправить ответ").click()
    draft = expired.get_by_label("Ваш неотправленный текст")
    await expect(draft).to_have_value("Черновик, который жалко потерять")
    await expired.goto("/queue")
    await expect(expired).to_have_url(f"{desk.url}/sign-in?ended=1")

    # A revoked agent is out at once; the console hears credential.revoked and ends all of
    # their sessions, and no link of theirs opens a new one.
    page = await signed_in(desk, agent_id)
    _, admin = await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    revoked = await system.intake.post(f"/v1/credentials/{agent_id}/revoke", headers=admin)
    assert revoked.status_code == 200
    await page.reload()
    await expect(page).to_have_url(f"{desk.url}/sign-in?ended=1")
    await eventually(desk.sessions, lambda left: left == 0)
    again = await desk.page()
    await again.goto(cli_link(desk, agent_id))
    await again.get_by_role("button", name="Войти").click()
    await expect(again.get_by_role("status")).to_contain_text("отозван")


def cli_link(desk: Desk, agent_id: uuid.UUID, role: Role = Role.agent) -> str:
    """The link `sviftdesk agents create` prints."""
    grant = signin.new_grant(agent_id, role, 5)
    return signin.link(desk.runtime.signer, desk.url, grant)


async def signed_in(desk: Desk, agent_id: uuid.UUID, role: Role = Role.agent) -> Page:
    page = await desk.page()
    await page.goto(cli_link(desk, agent_id, role))
    await page.get_by_role("button", name="Войти").click()
    await expect(page).to_have_url(f"{desk.url}/queue")
    return page


async def test_a_senior_extends_forwards_hands_back_and_closes_an_escalation(desk: Desk) -> None:
    """The rest of a ticket's life from the browser: an extension with its reason (refused
    without one, the days kept), a forward to development, back to the queue; the views; and
    the senior queue, where the customer's escalation is taken and closed with an outcome."""
    system = desk.system
    await issue(system, Role.senior, email="senior@sviftcommunity.ru")
    senior_id = await desk.agent_id("senior@sviftcommunity.ru")
    filed = await new_ticket(system, "ivan@example.com", subject="Ошибка в отчёте")
    asked = await system.intake.post(
        f"/v1/tickets/{filed['id']}/escalation",
        json={"reason": "Третий раз пишу, помогите"},
        headers={"Authorization": f"Bearer {filed['access_token']}"},
    )
    assert asked.status_code in (200, 201, 202), asked.text
    other = await new_ticket(system, "ivan@example.com", subject="Как выгрузить отчёт")
    page = await signed_in(desk, senior_id, Role.senior)
    await page.get_by_role("button", name="Взять следующий").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(filed["number"])
    # The customer's other tickets, one click away.
    others = page.get_by_role("region", name="Другие обращения клиента")
    await others.get_by_role("link", name=other["number"]).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(other["number"])
    await page.go_back()

    # The category its words gave it, corrected.
    await page.get_by_label("Категория", exact=True).select_option("bug")
    category = page.locator("form", has=page.get_by_label("Категория", exact=True))
    await category.get_by_role("button", name="Сохранить").click()
    await expect(page.locator("#category")).to_have_text("ошибка")

    await page.get_by_label("На сколько рабочих дней").fill("2")
    await page.get_by_role("button", name="Продлить").click()
    await expect(page.locator("#extension-reason + .error")).to_be_visible()
    await expect(page.get_by_label("На сколько рабочих дней")).to_have_value("2")
    await page.get_by_label("Причина (её прочтёт клиент)").fill("Нужна проверка у банка")
    await page.get_by_role("button", name="Продлить").click()
    await expect(page.locator(".error")).to_have_count(0)

    await page.get_by_label("Описание ошибки для разработчиков").fill(
        "Отчёт за декабрь считает возвраты дважды: шаги в обращении."
    )
    await page.get_by_role("button", name="Передать", exact=True).click()
    # Kept until the tracker takes it (none is configured here), and shown on the ticket.
    await expect(page.locator(".forwards")).to_contain_text("ждёт приёма трекером")

    # Seniors see the escalation queue: take the customer's request, close it with an outcome.
    await page.get_by_role("link", name="Эскалации").click()
    await page.get_by_role("button", name=f"Взять {filed['number']}").click()
    await expect(page.locator("h2")).to_contain_text("на рассмотрении")
    await desk.screenshot(page, "escalations")
    await page.get_by_role("button", name=f"Закрыть эскалацию {filed['number']}").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    outcome = "Мы проверили обращение: ошибка подтверждена и передана в разработку."
    await page.get_by_label("Итог для клиента").fill(outcome)
    await page.get_by_role("button", name=f"Закрыть эскалацию {filed['number']}").click()
    await expect(page.get_by_role("button", name="Закрыть эскалацию")).to_have_count(0)

    def told(mails: list[EmailMessage]) -> bool:
        return any("ошибка подтверждена" in text_of(m) for m in mails)

    await eventually(lambda: system.wait_for_mail(1), told, timeout=30, interval=0.5)

    # Back to the queue, at its arrival's place; taken again, it waits on the customer.
    await page.goto(f"/tickets/{filed['id']}")
    await page.get_by_role("button", name="Вернуть в очередь").click()
    await page.get_by_role("link", name="Очередь").click()
    await expect(page.locator("#queue-rows")).to_contain_text(filed["number"])
    await page.get_by_role("button", name="Взять следующий").click()
    await page.get_by_label("Перевести в статус").select_option("waiting_customer")
    await page.get_by_label("Сообщение клиенту (при решении — итог)").fill("Пришлите выписку.")
    await page.get_by_role("button", name="Перевести", exact=True).click()
    await page.get_by_role("link", name="Ожидают").click()
    await expect(page.locator("tbody")).to_contain_text(filed["number"])

    # Seniors write the team's shared replies, in English too; changed and deleted in place.
    await page.get_by_role("link", name="Шаблоны ответов").click()
    await page.get_by_label("Название").fill("Выписка")
    await page.get_by_label("Язык ответа").select_option("en")
    await page.get_by_label("Текст", exact=True).fill("Please send the statement, {customer_name}.")
    await page.get_by_label("Общий (для всей команды)").check()
    await page.get_by_role("button", name="Создать").click()
    replies = page.get_by_role("table", name="Шаблоны ответов")
    await expect(replies).to_contain_text("общий")
    await page.get_by_role("link", name="Изменить Выписка").click()
    await expect(page.get_by_label("Язык ответа")).to_have_value("en")
    await page.get_by_label("Название").fill("Statement")
    await page.get_by_role("button", name="Сохранить").click()
    await expect(replies).to_contain_text("Statement")
    await page.get_by_role("link", name="Изменить Statement").click()
    await page.get_by_role("button", name="Удалить").click()
    await expect(replies).to_contain_text("Шаблонов пока нет.")
