"""A whole SviftDesk with its console served on a real port, and Debian's Chromium to drive it
(tests/browser.py): the browser reaches the console as an agent's would, and the console the
other services' public APIs as the agent.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page
from sqlalchemy import func, select

from services.console import tables
from services.console.app import create_app
from services.intake.credentials import use_cases as credentials
from shared.settings import Settings
from tests.browser import Served, screenshots, served
from tests.support import eventually, text_of

__all__ = ["screenshots"]  # the fixture, shared with the portal's suite


class Desk(Served):
    """The console in the browser, as agents use it."""

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
async def desk(
    settings: Settings, request: pytest.FixtureRequest, screenshots: Path
) -> AsyncIterator[Desk]:
    async with served(settings, request, "console", create_app) as (system, app, url, browser):
        yield Desk(system, app, url, browser, screenshots)
