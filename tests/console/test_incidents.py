"""Incidents and complaints in the console (clauses 14, 23): an agent declares an incident,
links two customers' tickets, and one update reaches both by mail; resolved, both read the
outcome. A senior takes a complaint and closes it with the outcome its customer reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage

from playwright.async_api import expect

from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.escalation.helpers import known_tickets, wait_events
from tests.intake.helpers import issue, new_ticket
from tests.support import eventually, text_of

AGENT = "anna@sviftcommunity.ru"
SENIOR = "senior@sviftcommunity.ru"


def mailed(to: str, *words: str) -> Callable[[list[EmailMessage]], bool]:
    """A probe: whether ``to`` has a mail holding each of ``words``."""

    def probe(mails: list[EmailMessage]) -> bool:
        texts = [text_of(m) for m in mails if to in str(m["To"])]
        return all(any(word in text for text in texts) for word in words)

    return probe


async def test_an_agent_runs_an_incident_and_a_senior_closes_a_complaint(desk: Desk) -> None:
    system = desk.system
    await issue(system, Role.agent, email=AGENT)
    await issue(system, Role.senior, email=SENIOR)
    ivan = await new_ticket(system, "ivan@example.com", subject="Не проходит оплата")
    olga = await new_ticket(system, "olga@example.com", subject="Оплата картой зависла")
    petr = await new_ticket(
        system, "petr@example.com", subject="Жалоба на грубый ответ", category="complaint"
    )
    # The escalation service links only tickets it has heard of (ticket.created).
    filed = {uuid.UUID(t["id"]) for t in (ivan, olga, petr)}
    await eventually(lambda: known_tickets(system), lambda known: filed <= known, timeout=30)
    page = await signed_in(desk, await desk.agent_id(AGENT))

    # Declared from the incidents page; refused without a title, the description is kept.
    await page.get_by_role("link", name="Инциденты").click()
    await expect(page.get_by_text("Инцидентов нет.")).to_be_visible()
    summary = page.get_by_label("Описание (его прочтут клиенты)")
    await summary.fill("Платёжный шлюз не отвечает; мы уже работаем над этим.")
    await page.get_by_role("button", name="Объявить инцидент").click()
    await expect(page.locator("#incident-title-error")).to_be_visible()
    await expect(summary).to_have_value("Платёжный шлюз не отвечает; мы уже работаем над этим.")
    await page.get_by_label("Заголовок").fill("Оплата картой недоступна")
    await page.get_by_role("button", name="Объявить инцидент").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Оплата картой недоступна")
    incident_url = page.url

    # Linked by the number people read; an unknown number links nothing and is named.
    reference = page.get_by_label("Номера или id обращений (через запятую)")
    await reference.fill(f"{ivan['number']}, SC-999999")
    await page.get_by_role("button", name="Связать", exact=True).click()
    await expect(page.locator("#link-ticket-error")).to_contain_text("SC-999999")
    await expect(reference).to_have_value(f"{ivan['number']}, SC-999999")
    tickets = page.get_by_role("region", name="Связанные обращения")
    await expect(tickets).to_contain_text("Обращений пока нет.")
    await reference.fill(ivan["number"])
    await page.get_by_role("button", name="Связать", exact=True).click()
    await expect(tickets.get_by_role("link", name=ivan["number"])).to_be_visible()

    # And from the other customer's ticket: its page offers the open incidents.
    await page.goto(f"/tickets/{olga['id']}")
    await page.get_by_role("button", name="Связать с инцидентом").click()
    await expect(page.locator(".notice")).to_contain_text(olga["number"])
    await page.get_by_role("button", name="Связать сюда: Оплата картой недоступна").click()
    await expect(page).to_have_url(incident_url)
    await expect(tickets.get_by_role("link", name=olga["number"])).to_be_visible()
    await expect(tickets.get_by_role("link")).to_have_count(2)

    # One update, and both customers get it by mail.
    update = "Шлюз восстановлен частично: оплата проходит с задержкой до 10 минут."
    await page.get_by_label("Новость для клиентов").fill(update)
    await page.get_by_role("button", name="Отправить всем").click()
    await expect(page.get_by_role("region", name="Новости")).to_contain_text(update)
    await desk.screenshot(page, "incidents")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    for address in ("ivan@example.com", "olga@example.com"):
        told = mailed(address, update)
        await eventually(lambda: system.wait_for_mail(1), told, timeout=30, interval=0.5)

    # Resolved with the outcome customers read: refused empty, then every ticket resolved.
    await page.get_by_role("button", name="Решить инцидент").click()
    await expect(page.locator("#resolve-summary-error")).to_be_visible()
    outcome = "Шлюз работает штатно; все платежи проведены."
    await page.get_by_label("Итог для клиентов").fill(outcome)
    await page.get_by_role("button", name="Решить инцидент").click()
    await expect(page.locator("#incident-status")).to_have_text("решён")
    await expect(page.locator("#incident-resolution")).to_have_text(outcome)
    await expect(page.get_by_role("button", name="Отправить всем")).to_have_count(0)
    for address in ("ivan@example.com", "olga@example.com"):
        told = mailed(address, outcome)
        await eventually(lambda: system.wait_for_mail(1), told, timeout=30, interval=0.5)
    await page.get_by_role("link", name="Инциденты").click()
    await page.locator(".inc-tabs").get_by_role("link", name="Решённые").click()
    await expect(page.get_by_role("heading", name="Оплата картой недоступна")).to_be_visible()

    # Complaints are the seniors' to review: an agent is shown the service's refusal.
    refused = await page.goto("/complaints")
    assert refused is not None and refused.status == 403
    await expect(page.get_by_role("alert")).to_contain_text("senior")
    # With the menu still there, to go on from.
    await expect(page.get_by_role("button", name="Выйти")).to_be_visible()

    await wait_events(system, "escalation.opened", 1, timeout=30)
    senior = await signed_in(desk, await desk.agent_id(SENIOR), Role.senior)
    await senior.get_by_role("link", name="Жалобы").click()
    await expect(senior.get_by_role("heading", level=2)).to_contain_text(petr["number"])
    await expect(senior.locator("main")).to_contain_text("Жалоба на грубый ответ")
    await senior.get_by_role("button", name=f"Взять {petr['number']}").click()
    close = senior.get_by_role("button", name=f"Закрыть жалобу {petr['number']}")
    await close.click()
    await expect(senior.get_by_role("alert")).to_be_visible()
    verdict = "Мы разобрали жалобу: сотрудник получил замечание, извините за грубость."
    await senior.get_by_label("Итог для клиента").fill(verdict)
    await close.click()
    await expect(senior.get_by_text("Жалоб нет.")).to_be_visible()
    told = mailed("petr@example.com", verdict)
    await eventually(lambda: system.wait_for_mail(1), told, timeout=30, interval=0.5)
