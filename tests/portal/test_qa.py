"""What a tester found on the portal's pages, kept from coming back."""

from __future__ import annotations

import re

from playwright.async_api import expect

from shared.auth import Role
from tests.escalation.helpers import staff
from tests.intake.helpers import new_ticket
from tests.portal.conftest import PHONE, Portal
from tests.portal.public import Site, site

__all__ = ["site"]


async def test_pages_name_an_icon_that_loads(site: Site) -> None:
    """Browsers ask every site for an icon: without one named, each customer's first page
    logged a 404 in the console, among the errors a tester looks for."""
    home = await site.browser.get("/")
    found = re.search(r'<link rel="icon" href="([^"]+)"', home.text)
    assert found, "no icon named"
    icon = await site.browser.get(found.group(1))
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


async def test_a_long_unbroken_incident_summary_stays_inside_a_phone(portal: Portal) -> None:
    """An incident's summary with a long link widened the status page to 30,000 px."""
    agent = staff(portal.system, Role.agent)
    body = {"title": "Оплата недоступна", "summary": "Журнал: https://example.com/" + "q" * 3000}
    declared = await portal.system.clients["escalation"].post(
        "/v1/incidents", json=body, headers=agent
    )
    assert declared.status_code == 201, declared.text
    page = await portal.page()
    await page.goto("/status")
    await expect(page.get_by_text("Оплата недоступна")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await portal.screenshot(page, "qa-status-390")


async def test_a_request_form_refused_for_its_token_comes_back_as_typed(site: Site) -> None:
    """A tab kept over a browser's restart posts a token whose cookie is gone: the customer's
    words came back as "the form is out of date, reload", and reloading lost them."""
    shown = await site.browser.get("/new")
    action = re.search(r'action="(/new\?csrf=[^"]+)"', shown.text)
    assert action, shown.text
    site.browser.cookies.clear()  # the restart
    typed = {
        "customer.name": "Иван",
        "customer.email": "ivan@example.com",
        "subject": "Не приходит счёт",
        "body": "Третий день жду счёт за декабрь, а его всё нет.",
    }
    files = {"attachments": ("a.txt", b"log", "text/plain")}
    url = action.group(1).replace("&amp;", "&")
    refused = await site.browser.post(url, data=typed, files=files)
    assert refused.status_code == 403
    assert "форма устарела" in refused.text
    for value in typed.values():
        assert value in refused.text, value
    again = re.search(r'action="(/new\?csrf=[^"]+)"', refused.text)
    assert again
    filed = await site.browser.post(again.group(1).replace("&amp;", "&"), data=typed, files=files)
    assert filed.status_code == 200 and "SC-" in filed.text, filed.text


async def test_a_reply_refused_for_its_token_is_kept_to_send_again(site: Site) -> None:
    filed = await new_ticket(site.system, "ivan@example.com", subject="Не приходит счёт")
    opened = await site.browser.get(
        f"/requests/{filed['number']}?key={filed['access_token']}", follow_redirects=True
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', opened.text)
    assert opened.status_code == 200 and csrf
    site.browser.cookies.delete("sviftdesk_portal_csrf")  # a restart: the key's cookie lasts
    words = {"csrf": csrf.group(1), "body": "Счёт так и не пришёл, проверьте, пожалуйста."}
    files = {"attachments": ("", b"", "application/octet-stream")}
    path = f"/requests/{filed['number']}/messages"
    refused = await site.browser.post(path, data=words, files=files)
    assert refused.status_code == 403 and "сообщение не отправлено" in refused.text
    assert f">{words['body']}</textarea>" in refused.text
    fresh = re.search(r'name="csrf" value="([^"]+)"', refused.text)
    assert fresh
    sent = await site.browser.post(path, data={**words, "csrf": fresh.group(1)}, files=files)
    assert sent.status_code == 303, sent.text
