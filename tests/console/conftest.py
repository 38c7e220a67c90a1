"""A whole SviftDesk with its console served on a real port, and Debian's Chromium to drive it.

The console reaches intake, sla, escalation and the notifier through their apps in this
process (as it would over HTTP: the same public APIs, as the agent); the browser reaches the
console over a real socket, as an agent's would.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import func, select

from services.cli import migrate_services
from services.console import tables
from services.console.app import create_app
from services.intake.credentials import use_cases as credentials
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.conftest import free_port
from tests.support import System, eventually, text_of

CHROMIUM = os.environ.get("SVIFTDESK_TEST_CHROMIUM", "/usr/bin/chromium")
# Where the screenshots go: a folder of the test's own, or docs/screenshots when asked.
SCREENSHOTS = os.environ.get("SVIFTDESK_SCREENSHOTS")


@dataclass
class Desk:
    system: System
    app: FastAPI
    url: str
    browser: Browser
    screenshots: Path

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def agent_id(self, email: str) -> uuid.UUID:
        """The credential id of the staff member with this address (the newest)."""
        async with self.system.runtime("intake").unit_of_work() as uow:
            listing = await credentials.listing(uow)
        return next(c.id for c in reversed(listing) if c.email == email)

    async def sessions(self) -> int:
        """How many sessions the console keeps."""
        async with self.runtime.db.sessions() as session:
            query = select(func.count()).select_from(tables.session)
            return int((await session.execute(query)).scalar_one())

    async def page(self) -> Page:
        context = await self.browser.new_context(base_url=self.url, locale="ru-RU")
        return await context.new_page()

    async def screenshot(self, page: Page, name: str) -> None:
        await page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)

    async def sign_in_link(self, address: str) -> str:
        """The link in the latest sign-in mail to ``address``."""

        async def links() -> list[str]:
            found = []
            for mail in self.system.mail():
                if address in str(mail["To"]) and "/sign-in/" in text_of(mail):
                    found += re.findall(r"http://\S+/sign-in/\S+", text_of(mail))
            return found

        # Parsing every mail is dear: looked at twice a second, not twenty times.
        return (await eventually(links, bool, timeout=30, interval=0.5))[-1]


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def desk(
    settings: Settings, request: pytest.FixtureRequest, screenshots: Path
) -> AsyncIterator[Desk]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    own = settings.model_copy(update={"console_public_url": url})
    await migrate_services(own, ("console",))
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
                # log_config=None as `sviftdesk serve` runs it: uvicorn's own dictConfig would
                # rewire the process's loggers for every later test in this worker.
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
                browser = await playwright.chromium.launch(executable_path=CHROMIUM)
                try:
                    yield Desk(system, app, url, browser, screenshots)
                finally:
                    await browser.close()
        finally:
            server.should_exit = True
            await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started


def _connected(runtime: ServiceRuntime) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return runtime.bus.connected

    return probe
