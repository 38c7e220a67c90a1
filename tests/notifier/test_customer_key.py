"""The customer's key to their ticket travels to the receipt as something useless on its own:
what rests in intake's outbox, the queues and a parked delivery opens nothing; the mail,
written at the last moment, carries the working key."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from services.notifier import sender
from shared.auth import Role
from tests.intake.helpers import bearer, events, read
from tests.support import System, eventually, text_of, ticket_body


async def _rows(system: System, table: str) -> list[dict[str, Any]]:
    runtime = system.runtime("notifier")
    columns = runtime.metadata.tables[f"notifier.{table}"]
    async with runtime.db.sessions() as session:
        return [dict(row._mapping) for row in (await session.execute(select(columns))).all()]


async def test_the_key_rests_nowhere_but_in_the_mail(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    def mail_server_down(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(sender, "build_email", mail_server_down)
    created = (await system.intake.post("/v1/tickets", json=ticket_body())).json()
    key = created["access_token"]
    assert key

    notifier = system.clients["notifier"]
    admin = bearer(system.runtime("notifier").signer.issue(uuid.uuid4(), Role.admin))

    async def parked() -> list[dict[str, Any]]:
        return list((await notifier.get("/v1/deliveries/parked", headers=admin)).json())

    [delivery] = await eventually(parked, lambda found: len(found) == 1)
    # At rest for days: intake's published event and the parked delivery. Neither holds the
    # key, and what they hold does not open the ticket.
    [event] = await events(system, "ticket.created")
    seed = event["data"]["access_seed"]
    assert seed and event["data"]["access_token"] is None
    [row] = await _rows(system, "delivery")
    assert row["context"]["access_seed"] == seed
    resting = json.dumps(event) + json.dumps(row, default=str) + json.dumps(delivery)
    assert key not in resting
    for guess in (seed, event["data"]["access_key_id"]):
        refused = await system.intake.get(f"/v1/tickets/{created['id']}", headers=bearer(guess))
        assert refused.status_code == 404

    # The mail server is back: the receipt carries the working key, and then nothing is kept.
    monkeypatch.undo()
    retried = await notifier.post(f"/v1/deliveries/{delivery['id']}/retry", headers=admin)
    assert retried.status_code == 202
    [mail] = await system.wait_for_mail(1)
    assert f"/requests/{created['number']}?key={key}" in text_of(mail)
    assert (await read(system, created["id"], bearer(key)))["id"] == created["id"]
    [row] = await eventually(
        lambda: _rows(system, "delivery"), lambda rows: rows[0]["status"] == "sent"
    )
    assert not {"access_seed", "access_key_id", "access_token"} & set(row["context"])
