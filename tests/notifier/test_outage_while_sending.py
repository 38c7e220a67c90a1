"""A database outage just as a mail leaves is waited out: the mail is recorded as sent once
the database is back, and the customer gets it once (it was sent again after its lease ran
out, a minute and a half later: `make chaos` saw it after a PostgreSQL restart)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.auth import Role
from shared.settings import Settings
from tests.platform.test_database_outage import refuse_connections
from tests.support import SmtpSink, System, eventually, ticket_body

OUTAGE_SECONDS = 6.0


class OutageOnArrival(SmtpSink):
    """Takes the first mail, and cuts the database off before answering 250 for it."""

    database = ""

    def __init__(self) -> None:
        super().__init__()
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.received()) == 1:
            await refuse_connections(self.database, refuse=True)
            task = asyncio.create_task(self._restore())
            self._tasks.add(task)
        return answer

    async def _restore(self) -> None:
        await asyncio.sleep(OUTAGE_SECONDS)
        await refuse_connections(self.database, refuse=False)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = OutageOnArrival()
    sink.start()
    yield sink
    sink.stop()


@pytest.mark.parametrize("backend", ["real"])
async def test_a_mail_sent_as_the_database_goes_down_is_recorded_once_it_is_back(
    settings: Settings, smtp_sink: OutageOnArrival, capfd: pytest.CaptureFixture[str]
) -> None:
    assert settings.database_url is not None
    smtp_sink.database = settings.database_url.rsplit("/", 1)[1]
    async with System.start(settings, smtp_sink=smtp_sink) as system:
        created = (await system.intake.post("/v1/tickets", json=ticket_body())).json()
        agent = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.agent)

        async def receipt_log() -> list[dict[str, Any]]:
            response = await system.clients["notifier"].get(
                "/v1/deliveries",
                params={"ticket_id": created["id"]},
                headers={"Authorization": f"Bearer {agent}"},
            )
            return list(response.json()) if response.status_code == 200 else []

        # Well inside the lease (60 s deadline + 30 s margin) after which it would go again.
        entries = await eventually(
            receipt_log,
            lambda found: bool(found) and found[0]["status"] == "sent",
            timeout=30,
        )
        assert [(e["template"], e["attempts"]) for e in entries] == [("receipt", 1)]
        assert len(smtp_sink.received()) == 1
    # The sender waited the outage out and said so once, as a warning, not a traceback a
    # second; and said when it was over.
    # (Read as printed: structlog binds a module's logger once, so capture_logs may miss it.)
    printed = "".join(capfd.readouterr())
    assert "delivery.sender_failed" not in printed
    assert printed.count("delivery.database_unavailable") == 1, printed[-3000:]
    assert "delivery.database_back" in printed
