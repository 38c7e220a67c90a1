"""A whole SviftDesk with one web service (the console, the portal) served on a real port, and
Debian's Chromium to drive it: what both browser suites' fixtures share.

The web service reaches intake, sla, escalation and the notifier through their apps in this
process (as it would over HTTP: the same public APIs); the browser reaches it over a real
socket, as a person's would.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright

from services.cli import migrate_services
from shared.bus import Bus
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.conftest import free_port
from tests.support import System, eventually, uvicorn_serving

CHROMIUM = os.environ.get("SVIFTDESK_TEST_CHROMIUM", "/usr/bin/chromium")
# Where the screenshots go: a folder of the test's own, or docs/screenshots when asked.
SCREENSHOTS = os.environ.get("SVIFTDESK_SCREENSHOTS")
BACK_ENDS = ("intake", "sla", "escalation", "notifier")


class AppFactory(Protocol):
    def __call__(
        self,
        settings: Settings | None = None,
        *,
        bus: Bus | None = None,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> FastAPI: ...


@dataclass
class Served:
    """The web service's app at ``url``, the SviftDesk behind it and the browser."""

    system: System
    app: FastAPI
    url: str
    browser: Browser
    screenshots: Path

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def screenshot(self, page: Page, name: str) -> None:
        await page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@asynccontextmanager
async def served(
    settings: Settings, request: pytest.FixtureRequest, name: str, create_app: AppFactory
) -> AsyncIterator[tuple[System, FastAPI, str, Browser]]:
    """The service ``name`` (its public URL the free port it is served on), the system behind
    it, and Chromium; all stopped when done."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    own = settings.model_copy(update={f"{name}_public_url": url})
    await migrate_services(own, (name,))
    sink = request.getfixturevalue("smtp_sink") if own.deliveries.smtp_url else None
    async with System.start(own, smtp_sink=sink) as system:
        transports = {
            service: httpx.ASGITransport(app=system.apps[service]) for service in BACK_ENDS
        }
        bus = None if own.amqp_url else system.runtime("intake").bus
        app = create_app(own, bus=bus, transports=transports)
        config = uvicorn.Config(
            # As `sviftdesk serve` runs it: no access log (an address can carry a key).
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        async with uvicorn_serving(config):
            runtime: ServiceRuntime = app.state.runtime
            await eventually(lambda: _connected(runtime), bool, timeout=20)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM)
                try:
                    yield system, app, url, browser
                finally:
                    await browser.close()


async def _connected(runtime: ServiceRuntime) -> bool:
    return runtime.bus.connected
