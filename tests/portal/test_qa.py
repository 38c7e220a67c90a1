"""What a tester found on the portal's pages, kept from coming back."""

from __future__ import annotations

import re

from playwright.async_api import expect

from shared.auth import Role
from tests.escalation.helpers import staff
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
