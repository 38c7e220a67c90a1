"""Fixtures of the escalation tests: the escalation service alone on the backend under test
(embedded, and PostgreSQL + RabbitMQ), with a fake development tracker on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from shared.settings import Settings
from tests.escalation.helpers import TRACKER_SECRET, FakeTracker
from tests.support import System


@pytest.fixture
async def tracker() -> AsyncIterator[FakeTracker]:
    async with FakeTracker() as fake:
        yield fake


@pytest.fixture
def desk_settings(settings: Settings, tracker: FakeTracker) -> Settings:
    return settings.model_copy(
        update={
            "tracker_url": tracker.url,
            "tracker_secret": SecretStr(TRACKER_SECRET),
            "tracker_retry_delays_ms": (100, 200, 300),
            "tracker_timeout_seconds": 5.0,
        }
    )


@pytest.fixture
async def desk(desk_settings: Settings) -> AsyncIterator[System]:
    async with System.start(desk_settings, services=("escalation",)) as system:
        yield system
