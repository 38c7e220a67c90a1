"""A whole SviftDesk with its portal served on a real port, and Debian's Chromium to drive it.

The portal reaches intake, sla, escalation and the notifier through their apps in this process
(as it would over HTTP: the same public APIs, as the customer); the browser reaches the portal
over a real socket, as a customer's would.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright

from services.cli import migrate_services
from services.portal.app import create_app
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.conftest import free_port
from tests.console.conftest import _connected, _started, screenshots
from tests.support import System, eventually, html_of

__all__ = ["screenshots"]  # the console's fixture: the same folder, the same rules

PHONE = {"width": 390, "height": 844}


@dataclass
class Portal:
    system: System
    app: FastAPI
    url: str
    browser: Browser
    screenshots: Path

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def page(self, *, phone: bool = True, language: str = "ru-RU") -> Page:
        """A customer's browser; a phone's screen unless told otherwise."""
        context = await self.browser.new_context(
            base_url=self.url, locale=language, viewport=PHONE if phone else None
        )
        return await context.new_page()

    async def screenshot(self, page: Page, name: str) -> None:
        await page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)

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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    own = settings.model_copy(update={"portal_public_url": url})
    await migrate_services(own, ("portal",))
    sink = request.getfixturevalue("smtp_sink") if own.smtp_url else None
    async with System.start(own, smtp_sink=sink) as system:
        transports = {
            name: httpx.ASGITransport(app=system.apps[name])
            for name in ("intake", "sla", "escalation", "notifier")
        }
        bus = None if own.amqp_url else system.runtime("intake").bus
        app = create_app(own, bus=bus, transports=transports)
        server = uvicorn.Server(
            uvicorn.Config(
                # As `sviftdesk serve` runs it: no access log (an address can carry a key) and
                # no dictConfig of uvicorn's own rewiring the process's loggers.
                app,
                host="127.0.0.1",
                port=port,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
        )
        serving = asyncio.create_task(server.serve())
        try:
            await eventually(lambda: _started(server), bool, timeout=20)
            await eventually(_connected(app.state.runtime), bool, timeout=20)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
                try:
                    yield Portal(system, app, url, browser, screenshots)
                finally:
                    await browser.close()
        finally:
            server.should_exit = True
            await serving
