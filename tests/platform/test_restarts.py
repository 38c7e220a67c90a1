"""A stop at any moment loses no event: what was queued, or being handled, when the system
stopped is handled once after it starts again (the embedded bus keeps it in var/bus.db)."""

from __future__ import annotations

import asyncio

import pytest

from shared.contracts.envelope import CloudEvent
from shared.inbox import HandlerContext
from shared.settings import Settings
from tests.support import SmtpSink, System, eventually, ticket_body


def _sink(settings: Settings, request: pytest.FixtureRequest) -> SmtpSink | None:
    return request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None


async def test_events_for_services_not_running_are_handled_once_they_start(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    sink = _sink(settings, request)
    async with System.start(settings, smtp_sink=sink, services=("intake",)) as system:
        response = await system.intake.post("/v1/tickets", json=ticket_body())
        assert response.status_code == 201, response.text
        await eventually(lambda: system.unpublished("intake"), lambda n: n == 0)
    assert system.mail() == []

    async with System.start(settings, smtp_sink=sink) as system:
        [mail] = await system.wait_for_mail(1)
        assert response.json()["number"] in str(mail["Subject"])
        # The other consumers of ticket.created got it too.
        await eventually(lambda: system.count_rows("sla", "inbox"), lambda n: n == 1)
        await eventually(lambda: system.count_rows("escalation", "inbox"), lambda n: n == 1)
        await asyncio.sleep(1.0)
        assert len(system.mail()) == 1


async def test_an_event_being_handled_at_a_stop_is_handled_once_after_the_restart(
    settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = _sink(settings, request)
    entered = asyncio.Event()

    async def stuck(_ctx: HandlerContext, _event: CloudEvent) -> None:
        entered.set()
        await asyncio.Event().wait()  # the receipt is being written when the system stops

    async with System.start(settings, smtp_sink=sink) as system:
        handlers = system.runtime("notifier").handlers
        monkeypatch.setitem(handlers, "ticket.created", stuck)  # type: ignore[arg-type]
        response = await system.intake.post("/v1/tickets", json=ticket_body())
        assert response.status_code == 201, response.text
        await asyncio.wait_for(entered.wait(), timeout=20)
    assert system.mail() == []

    async with System.start(settings, smtp_sink=sink) as system:
        [mail] = await system.wait_for_mail(1)
        assert response.json()["number"] in str(mail["Subject"])
        await asyncio.sleep(1.0)
        assert len(system.mail()) == 1
        assert await system.count_rows("notifier", "delivery") == 1
