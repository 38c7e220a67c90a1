"""Fixtures of the intake tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from shared.settings import Settings
from tests.intake.helpers import Limited
from tests.support import System


@pytest.fixture
def limited(settings: Settings, request: pytest.FixtureRequest) -> Limited:
    """Start the system with some settings changed, e.g. limits lowered (the test settings
    lift them all)."""
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[System]:
        async with System.start(settings.model_copy(update=changes), smtp_sink=sink) as system:
            yield system

    return start
