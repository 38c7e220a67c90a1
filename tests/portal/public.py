"""The portal's public pages over HTTP: a whole SviftDesk in this process, the portal reaching
its services through their apps, a customer's browser as an httpx client (cookies kept)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.cli import migrate_services
from services.portal.app import create_app
from shared.auth import Role
from shared.settings import Settings
from tests.intake.helpers import agent
from tests.support import System

SERVICES = ("intake", "sla", "escalation", "notifier")
_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    system: System
    app: FastAPI
    browser: httpx.AsyncClient

    async def staff(self, role: Role = Role.agent) -> dict[str, str]:
        return await agent(self.system, role)

    async def action_of(self, path: str) -> str:
        """The address the page's (first) form posts to, its CSRF token included."""
        shown = await self.browser.get(path)
        assert shown.status_code == 200, shown.text
        found = _ACTION.search(shown.text)
        assert found, shown.text
        return found.group(1).replace("&amp;", "&")

    async def csrf_of(self, path: str) -> str:
        shown = await self.browser.get(path)
        found = _CSRF.search(shown.text)
        assert found, shown.text
        return found.group(1)

    async def article(self, **fields: Any) -> dict[str, Any]:
        """A published article, written by an agent through intake's API."""
        body = {"language": "ru", "tags": [], "status": "published", **fields}
        written = await self.system.intake.post(
            "/v1/articles", json=body, headers=await self.staff()
        )
        assert written.status_code == 201, written.text
        created: dict[str, Any] = written.json()
        return created


@pytest.fixture
async def site(system: System, settings: Settings) -> AsyncIterator[Site]:
    await migrate_services(settings, ("portal",))
    transports = {name: httpx.ASGITransport(app=system.apps[name]) for name in SERVICES}
    bus = None if settings.amqp_url else system.runtime("intake").bus
    app = create_app(settings, bus=bus, transports=transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as browser:
            yield Site(system, app, browser)
