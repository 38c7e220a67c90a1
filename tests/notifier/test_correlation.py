"""Whatever the notifier stages carries a correlation id, so a staff notice can be traced to
what caused it: a handler's, the event it handled; the waiting scan's, its own round's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.notifier.tables import outbox as notifier_outbox
from tests import events
from tests.notifier.test_staff_notices import ANNA, staff
from tests.notifier.test_webhooks import _created
from tests.support import System, eventually


async def _notices(system: System) -> dict[str, str | None]:
    """Each staff.notified event's kind, with its envelope's correlation id."""
    async with system.runtime("notifier").db.sessions() as session:
        query = select(notifier_outbox.c.envelope).where(
            notifier_outbox.c.event_type == "staff.notified"
        )
        envelopes = (await session.execute(query)).scalars()
        return {e["data"]["kind"]: e.get("correlationid") for e in envelopes}


async def test_staff_notices_carry_the_correlation_id_of_their_cause(open_system: System) -> None:
    system = open_system
    await staff(system, ANNA)
    created = _created(uuid.uuid4(), consent=False)
    bus = system.runtime("intake").bus
    await bus.publish(events.envelope(created, correlation_id="n13-filed"))
    await eventually(lambda: system.count_rows("notifier", "ticket_contact"), bool)

    # A warning on the ticket nobody holds: every agent at work hears, traced to the warning.
    warning = events.sla_warning(
        created.ticket_id, number=created.number, due_at=datetime.now(UTC) + timedelta(hours=1)
    )
    await bus.publish(events.envelope(warning, correlation_id="n13-warned"))
    found = await eventually(lambda: _notices(system), lambda n: "queue_sla_warning" in n)
    assert found["queue_sla_warning"] == "n13-warned"

    # An hour on, nobody took it: the scan's notice carries the id of the round that told.
    alerts = system.apps["notifier"].state.waiting_alerts
    assert await alerts.tick(datetime.now(UTC) + timedelta(minutes=61)) == 1
    waiting = (await _notices(system))["request_waiting"]
    assert waiting and waiting not in ("n13-filed", "n13-warned")
