"""The admin pages in Chromium: an admin invites a staff member, who signs in from the mailed
link; changes their role (their session ends, a new link comes) and revokes them (their open
session is refused at once); a parked delivery is retried; the others' pages keep working."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import httpx
import pytest
from playwright.async_api import expect

from services.notifier import repository as notifier_repository
from shared.auth import Role
from shared.contracts.envelope import CloudEvent
from shared.inbox import HandlerContext
from tests.console.conftest import Desk
from tests.console.test_console import cli_link, signed_in
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


async def test_an_admin_manages_staff_and_retries_a_parked_delivery(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
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

    # A customer's mail the notifier gave up on while the mail server refused it, sent again
    # from the page once the server takes mail.
    sender = system.apps["notifier"].state.sender
    working = sender._mailer.send
    refusing = True

    async def send(message: EmailMessage) -> None:
        if refusing and "ivan@example.com" in str(message["To"]):
            raise ConnectionRefusedError("SMTP 451: try again later")
        await working(message)

    monkeypatch.setattr(sender._mailer, "send", send)
    await new_ticket(system, "ivan@example.com", subject="Не приходит счёт")

    async def parked() -> int:
        async with system.runtime("notifier").db.sessions() as session:
            return len(await notifier_repository.parked_deliveries(session))

    await eventually(parked, lambda n: n == 1, timeout=30)
    refusing = False
    await admin.get_by_role("link", name="Застрявшие уведомления").click()
    await expect(admin.get_by_text("SMTP 451: try again later")).to_be_visible()
    await admin.get_by_role("button", name="Повторить: ivan@example.com").click()
    await expect(admin.get_by_role("status")).to_contain_text("снова в очереди")
    await expect(admin.get_by_text("Застрявших уведомлений нет.")).to_be_visible()
    await eventually(lambda: _mails_to(desk, "ivan@example.com"), lambda n: n == 1, timeout=30)

    # The other pages: parked events (none), the policy and the coming year's calendar.
    await admin.get_by_role("link", name="Застрявшие события").click()
    await expect(admin.get_by_text("Застрявших событий нет.")).to_be_visible()
    await admin.get_by_role("link", name="Политика и календарь").click()
    await expect(admin.get_by_role("heading", name="Действующая политика: 2025.1")).to_be_visible()
    await expect(admin.get_by_role("cell", name="Новогодние каникулы").first).to_be_visible()
    for section in ("policy", "agents"):  # a phone's width, nothing cut off
        await admin.set_viewport_size({"width": 390, "height": 800})
        await admin.goto(f"/admin/{section}")
        assert await admin.evaluate("document.documentElement.scrollWidth") <= 390, section
    await desk.screenshot(admin, "admin-390")


async def _mails_to(desk: Desk, address: str) -> int:
    return sum(address in str(m["To"]) for m in desk.system.mail())


async def _sign_in(desk: Desk, client: httpx.AsyncClient, email: str, role: Role) -> None:
    """Sign ``client`` in to the console as a new staff member."""
    credential_id, _ = await issue(desk.system, role, email=email)
    token = cli_link(desk, uuid.UUID(credential_id), role).split("/sign-in/")[1]
    signed = await client.post(f"/sign-in/{token}")
    assert signed.status_code == 303, signed.text


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


async def test_partner_keys_and_parked_events_from_the_admin_pages(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP, the pages' forms as a browser posts them: a key's secret shown once, a
    refusal beside its field, a revocation confirmed first; a parked event replayed; and
    nothing of it for an agent or without the form's token."""
    admin = httpx.AsyncClient(base_url=desk.url)
    agent = httpx.AsyncClient(base_url=desk.url)
    async with admin, agent:
        await _sign_in(desk, admin, ADMIN, Role.admin)
        await _sign_in(desk, agent, "agent@sviftcommunity.ru", Role.agent)
        keys = await admin.get("/admin/keys")
        assert keys.status_code == 200 and "Ключей нет." in keys.text
        csrf = _csrf(keys.text)

        refused = await admin.post("/admin/keys", data={"csrf": csrf, "partner_name": "PayCo"})
        assert refused.status_code == 422
        assert 'id="key-scopes-error"' in refused.text and 'value="PayCo"' in refused.text
        created = await admin.post(
            "/admin/keys",
            data={"csrf": csrf, "partner_name": "PayCo", "scopes": ["tickets:write", "webhooks"]},
        )
        assert created.status_code == 200
        secret = created.text.split('id="secret" readonly value="')[1].split('"')[0]
        ok = await desk.system.intake.get(
            "/v1/staff/me", headers={"Authorization": f"Bearer {secret}"}
        )
        assert ok.status_code == 403  # a working key, a partner's: not staff, but not refused
        listed = await admin.get("/admin/keys")
        assert "PayCo" in listed.text and secret not in listed.text  # shown that once only
        key_id = listed.text.split('action="/admin/keys/')[1].split("/revoke")[0]

        asked = await admin.post(f"/admin/keys/{key_id}/revoke", data={"csrf": csrf})
        assert asked.status_code == 200 and "Отозвать ключ партнёра?" in asked.text
        still = await desk.system.intake.get(
            "/v1/staff/me", headers={"Authorization": f"Bearer {secret}"}
        )
        assert still.status_code == 403  # asking changed nothing
        done = await admin.post(
            f"/admin/keys/{key_id}/revoke", data={"csrf": csrf, "confirmed": "yes"}
        )
        assert done.status_code == 303
        gone = await desk.system.intake.get(
            "/v1/staff/me", headers={"Authorization": f"Bearer {secret}"}
        )
        assert gone.status_code == 401

        # An event the notifier's consumer cannot take, replayed once mended.
        handlers = desk.system.runtime("notifier").handlers
        working = handlers["ticket.created"]

        async def broken(_ctx: HandlerContext, _event: CloudEvent) -> None:
            raise RuntimeError("template store unavailable")

        monkeypatch.setitem(handlers, "ticket.created", broken)  # type: ignore[arg-type]
        await new_ticket(desk.system, "olga@example.com")

        async def listed_events() -> str:
            return (await admin.get("/admin/events")).text

        page = await eventually(listed_events, lambda text: "template store unavailable" in text)
        replay = page.split('action="/admin/events/')[1].split('"')[0]
        assert replay.startswith("notifier/") and replay.endswith("/replay")
        monkeypatch.setitem(handlers, "ticket.created", working)
        replayed = await admin.post(f"/admin/events/{replay}", data={"csrf": csrf})
        assert replayed.status_code == 303
        await eventually(lambda: _mails_to(desk, "olga@example.com"), lambda n: n == 1)
        assert "Застрявших событий нет." in (await admin.get("/admin/events")).text

        # Not an agent's pages; not without the form's token.
        for path in ("/admin", "/admin/keys", "/admin/events", "/admin/policy"):
            forbidden = await agent.get(path)
            assert forbidden.status_code == 403 and "только администраторам" in forbidden.text
        posted = await agent.post("/admin/keys", data={"csrf": _csrf(forbidden.text)})
        assert posted.status_code == 403
        forged = await admin.post(
            "/admin/keys", data={"partner_name": "Evil", "scopes": "webhooks"}
        )
        assert forged.status_code == 403
        assert "Evil" not in (await admin.get("/admin/keys")).text
