"""Every service shows its parked events to admins over HTTP and replays one of them: what
`sviftdesk dlq` does, for the console's admin page, on either bus."""

from __future__ import annotations

import pytest

from shared.auth import Role
from shared.contracts.envelope import CloudEvent
from shared.inbox import HandlerContext
from tests.intake.helpers import issue
from tests.support import System, eventually, ticket_body


async def test_an_admin_sees_a_parked_event_and_replays_it(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = system.runtime("notifier").handlers
    working = handlers["ticket.created"]

    async def broken(_ctx: HandlerContext, _event: CloudEvent) -> None:
        raise RuntimeError("template store unavailable")

    monkeypatch.setitem(handlers, "ticket.created", broken)  # type: ignore[arg-type]
    _, admin = await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    _, agent = await issue(system, Role.agent, email="agent@sviftcommunity.ru")
    notifier = system.clients["notifier"]
    created = await system.intake.post("/v1/tickets", json=ticket_body())
    assert created.status_code == 201, created.text

    async def parked() -> list[dict[str, str]]:
        answer = await notifier.get("/v1/admin/parked-events", headers=admin)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, str]] = answer.json()
        return found

    [event] = await eventually(parked, lambda found: len(found) == 1)
    assert event["consumer"] == "notifier" and event["type"] == "ticket.created"
    assert "template store unavailable" in event["error"] and event["time"]
    assert event["subject"] == created.json()["id"]
    # Only the notifier parked it; the others have nothing waiting.
    for service in ("intake", "sla", "escalation"):
        other = await system.clients[service].get("/v1/admin/parked-events", headers=admin)
        assert other.status_code == 200 and other.json() == [], (service, other.text)

    refused = await notifier.get("/v1/admin/parked-events", headers=agent)
    assert refused.status_code == 403
    anonymous = await notifier.post(f"/v1/admin/parked-events/{event['event_id']}/replay")
    assert anonymous.status_code == 401
    unknown = await notifier.post("/v1/admin/parked-events/no-such-event/replay", headers=admin)
    assert unknown.status_code == 404

    monkeypatch.setitem(handlers, "ticket.created", working)  # the fault is mended
    replayed = await notifier.post(
        f"/v1/admin/parked-events/{event['event_id']}/replay", headers=admin
    )
    assert replayed.status_code == 202, replayed.text
    assert await eventually(lambda: system.has_handled("notifier", event["event_id"]), bool)
    [mail] = await system.wait_for_mail(1)
    assert created.json()["number"] in str(mail["Subject"])
    assert await parked() == []
    again = await notifier.post(
        f"/v1/admin/parked-events/{event['event_id']}/replay", headers=admin
    )
    assert again.status_code == 404

    # Intake keeps its revocations itself: a revoked admin is refused there too.
    admin_id = (await system.intake.get("/v1/staff/me", headers=admin)).json()["id"]
    revoked = await system.intake.post(f"/v1/credentials/{admin_id}/revoke", headers=admin)
    assert revoked.status_code == 200
    refused = await system.intake.get("/v1/admin/parked-events", headers=admin)
    assert refused.status_code == 401
