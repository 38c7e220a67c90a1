"""A whole SviftDesk with its portal served on a real port, and Debian's Chromium to drive it
(tests/browser.py): the browser reaches the portal as a customer's would, and the portal the
other services' public APIs as the customer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from services.portal.app import create_app
from shared.settings import Settings
from tests.browser import Served, screenshots, served
from tests.support import eventually, html_of

__all__ = ["screenshots"]  # the fixture, shared with the console's suite

PHONE = {"width": 390, "height": 844}


class Portal(Served):
    """The portal in the browser, as customers use it."""

    async def page(self, *, phone: bool = True, language: str = "ru-RU") -> Page:
        """A customer's browser; a phone's screen unless told otherwise."""
        context = await self.browser.new_context(
            base_url=self.url, locale=language, viewport=PHONE if phone else None
        )
        return await context.new_page()

    async def mailed_links(self, address: str, path: str) -> list[str]:
        """Every link to the portal under ``path`` in the HTML parts of mail to ``address``
        (what most customers' mail programs show), once there is one; in no order."""
        pattern = re.compile(rf'href="({re.escape(self.url)}{re.escape(path)}[^"]*)"')

        async def links() -> list[str]:
            found: list[str] = []
            for mail in self.system.mail():
                if address in str(mail["To"]):
                    found += [link.replace("&amp;", "&") for link in pattern.findall(html_of(mail))]
            return found

        # Parsing every mail is dear: looked at twice a second.
        return await eventually(links, bool, timeout=30, interval=0.5)


@pytest.fixture
async def portal(
    settings: Settings, request: pytest.FixtureRequest, screenshots: Path
) -> AsyncIterator[Portal]:
    async with served(settings, request, "portal", create_app) as (system, app, url, browser):
        yield Portal(system, app, url, browser, screenshots)
