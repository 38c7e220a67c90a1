"""The admin pages in Chromium: an admin invites a staff member, who signs in from the mailed
link; changes their role (their session ends, a new link comes) and revokes them (their open
session is refused at once); a parked delivery is retried; the others' pages keep working."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import update

from services.notifier import repository as notifier_repository
from services.notifier.tables import delivery
from shared.auth import Role
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import issue, new_ticket
from tests.support import eventually, text_of

ADMIN = "admin@sviftcommunity.ru"
BORIS = "boris@sviftcommunity.ru"


async def _links(desk: Desk, address: str, count: int) -> list[str]:
    """The sign-in links mailed to ``address``, once there are ``count``."""

    async def found() -> list[str]:
        return [
            text_of(m).split("/sign-in/")[1].split()[0]
            for m in desk.system.mail()
            if address in str(m["To"]) and "/sign-in/" in text_of(m)
        ]

    return await eventually(found, lambda links: len(links) >= count, timeout=30, interval=0.5)


async def test_an_admin_manages_staff_and_retries_a_parked_delivery(desk: Desk) -> None:
    system = desk.system
    await issue(system, Role.admin, email=ADMIN)
    admin = await signed_in(desk, await desk.agent_id(ADMIN), Role.admin)
    await admin.get_by_role("link", name="Администрирование").click()
    await expect(admin).to_have_url(f"{desk.url}/admin/agents")

    # A wrong address is refused next to the field; what was typed stays.
    await admin.get_by_label("Рабочий адрес").fill("boris@")
    await admin.get_by_label("Имя", exact=True).fill("Борис Смирнов")
    await admin.get_by_role("button", name="Пригласить").click()
    await expect(admin.locator("#invite-email-error")).to_be_visible()
    await expect(admin.get_by_label("Имя", exact=True)).to_have_value("Борис Смирнов")
    await admin.get_by_label("Рабочий адрес").fill(BORIS)
    await admin.get_by_role("button", name="Пригласить").click()
    await expect(admin.get_by_role("status")).to_have_text("Приглашение отправлено.")
    row = admin.get_by_role("row").filter(has_text=BORIS)
    await expect(row).to_contain_text("Борис Смирнов")
    await expect(row).to_contain_text("сотрудник поддержки")

    # Boris signs in from the mailed invitation; the admin pages are not his.
    [first] = await _links(desk, BORIS, 1)
    boris = await desk.page()
    await boris.goto(f"/sign-in/{first}")
    await boris.get_by_role("button", name="Войти").click()
    await expect(boris).to_have_url(f"{desk.url}/queue")
    await boris.goto("/admin/agents")
    await expect(boris.get_by_role("alert")).to_contain_text("только администраторам")

    # A new role ends his session; the new link signs him in as a senior.
    await row.get_by_label("Роль: Борис Смирнов", exact=True).select_option("senior")
    await row.get_by_role("button", name="Сменить роль: Борис Смирнов").click()
    await expect(admin.get_by_text("Сменить роль?")).to_be_visible()
    await admin.get_by_role("button", name="Да, выполнить").click()
    await expect(admin.get_by_role("status")).to_contain_text("Роль изменена")
    await boris.goto("/queue")
    await expect(boris).to_have_url(f"{desk.url}/sign-in?ended=1")
    [second] = [link for link in await _links(desk, BORIS, 2) if link != first]
    await boris.goto(f"/sign-in/{second}")
    await boris.get_by_role("button", name="Войти").click()
    await expect(boris.get_by_role("link", name="Эскалации")).to_be_visible()
    await desk.screenshot(admin, "admin")

    # Revoked: his open session is refused at the next click.
    active = admin.get_by_role("row").filter(has_text=BORIS).filter(has_text="действует")
    await active.get_by_role("button", name="Отозвать: Борис Смирнов").click()
    await admin.get_by_role("button", name="Да, выполнить").click()
    await expect(admin.get_by_role("status")).to_have_text("Доступ отозван.")
    await expect(admin.get_by_role("button", name="Отозвать: Борис Смирнов")).to_have_count(0)
    await boris.goto("/queue")
    await expect(boris).to_have_url(f"{desk.url}/sign-in?ended=1")

    # A customer's mail that the notifier gave up on, sent again from the page.
    await new_ticket(system, "ivan@example.com", subject="Не приходит счёт")
    await eventually(lambda: _mails_to(desk, "ivan@example.com"), lambda n: n == 1, timeout=30)
    async with system.runtime("notifier").db.transaction() as session:
        await session.execute(
            update(delivery)
            .where(delivery.c.recipient == "ivan@example.com")
            .values(status=notifier_repository.FAILED, last_error="SMTP 451: try again later")
        )
    await admin.get_by_role("link", name="Застрявшие уведомления").click()
    await expect(admin.get_by_text("SMTP 451: try again later")).to_be_visible()
    await admin.get_by_role("button", name="Повторить: ivan@example.com").click()
    await expect(admin.get_by_role("status")).to_contain_text("снова в очереди")
    await expect(admin.get_by_text("Застрявших уведомлений нет.")).to_be_visible()
    await eventually(lambda: _mails_to(desk, "ivan@example.com"), lambda n: n == 2, timeout=30)

    # The other pages: parked events (none), the policy and the coming year's calendar.
    await admin.get_by_role("link", name="Застрявшие события").click()
    await expect(admin.get_by_text("Застрявших событий нет.")).to_be_visible()
    await admin.get_by_role("link", name="Политика и календарь").click()
    await expect(admin.get_by_role("heading", name="Действующая политика: 2025.1")).to_be_visible()
    await expect(admin.get_by_role("cell", name="Новогодние каникулы").first).to_be_visible()


async def _mails_to(desk: Desk, address: str) -> int:
    return sum(address in str(m["To"]) for m in desk.system.mail())
