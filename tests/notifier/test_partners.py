"""A ticket waits on a registered partner (clauses 17, 25): the partner hears of it by webhook,
reads it with its key and answers over HTTP, which resumes the work; the customer's contact
reaches it only with their consent."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from shared.auth import Role
from tests.intake.helpers import agent, bearer, events, issue, move, new_ticket, read
from tests.support import LoopbackReceiver, System, eventually

PARTNER_SCOPES = ("tickets:read", "tickets:write", "webhooks")


async def _answer(
    system: System, ticket_id: str, headers: dict[str, str], body: str = "Платёж найден"
) -> Any:
    return await system.intake.post(
        f"/v1/tickets/{ticket_id}/messages", json={"body": body}, headers=headers
    )


async def test_a_registered_partner_is_told_reads_and_answers_which_resumes_the_ticket(
    system: System, receiver: LoopbackReceiver
) -> None:
    partner_id, partner = await issue(
        system, Role.partner, partner_name="PayCo", scopes=PARTNER_SCOPES
    )
    hooked = await system.clients["notifier"].post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["ticket.status_changed", "ticket.consent_changed"]},
        headers=partner,
    )
    assert hooked.status_code == 201, hooked.text
    staff = await agent(system)
    ticket = await new_ticket(system, "olga@example.com")
    tid, customer = ticket["id"], bearer(ticket["access_token"])
    # Not its ticket yet: it neither reads nor answers it.
    assert (await system.intake.get(f"/v1/tickets/{tid}", headers=partner)).status_code == 404
    assert (await _answer(system, tid, partner)).status_code == 404

    handed = {"name": "PayCo", "reference": "PC-17", "partner_id": partner_id}
    moved = await move(system, staff, tid, "waiting_partner", partner=handed)
    assert moved.status_code == 200, moved.text

    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == 1)
    told = json.loads(receiver.requests[0].body)
    assert told["data"]["to_status"] == "waiting_partner"
    assert told["data"]["partner"]["partner_id"] == partner_id
    assert "olga@example.com" not in receiver.requests[0].body.decode()  # no consent given

    seen = await read(system, tid, partner)
    assert seen["status"] == "waiting_partner" and seen["customer"]["email"] is None
    listed = (await system.intake.get("/v1/tickets", headers=partner)).json()["items"]
    assert [t["id"] for t in listed] == [tid]

    answered = await _answer(system, tid, partner)
    assert answered.status_code == 201, answered.text
    assert answered.json()["author"] == "partner"
    by_staff = await read(system, tid, staff)
    assert by_staff["status"] == "in_progress"
    assert [(m["author"], m["body"]) for m in by_staff["messages"]] == [
        ("partner", "Платёж найден")
    ]
    # Agents relay what the customer needs: the partner's words are not the customer's to read.
    by_customer = await read(system, tid, customer)
    assert by_customer["messages"] == []
    [added] = await events(system, "ticket.message_added")
    assert added["data"]["author"] == "partner" and added["data"]["internal"] is True
    [_, resumed] = await events(system, "ticket.status_changed")
    assert resumed["data"]["to_status"] == "in_progress"
    assert resumed["data"]["actor"] == "partner"

    # Handed to it, the ticket's later events reach it too, under the customer's consent.
    consent = await system.intake.put(
        f"/v1/tickets/{tid}/consent", json={"share_with_partners": True}, headers=customer
    )
    assert consent.status_code == 200, consent.text
    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == 3)
    later = {r.headers["x-sviftdesk-event"]: r.body.decode() for r in receiver.requests[1:]}
    assert set(later) == {"ticket.status_changed", "ticket.consent_changed"}
    assert "olga@example.com" in later["ticket.consent_changed"]

    # The ticket no longer waits on it: a second answer is refused, and nothing moves.
    again = await _answer(system, tid, partner)
    assert again.status_code == 409 and "waiting" in again.json()["detail"]
    assert (await read(system, tid, partner))["status"] == "in_progress"  # still its to read

    # Handed to a partner outside SviftDesk: the ticket is no longer this partner's.
    outside = {"name": "Bank of Kazan", "reference": "BK-9"}
    assert (await move(system, staff, tid, "waiting_partner", partner=outside)).status_code == 200
    assert (await _answer(system, tid, partner)).status_code == 404
    assert (await system.intake.get(f"/v1/tickets/{tid}", headers=partner)).status_code == 404


async def test_only_the_partner_handed_the_ticket_answers_with_its_scope(system: System) -> None:
    partner_id, partner = await issue(system, Role.partner, scopes=PARTNER_SCOPES)
    _, read_only = await issue(system, Role.partner, scopes=("tickets:read",))
    _, filer = await issue(system, Role.partner, scopes=PARTNER_SCOPES)
    staff = await agent(system)
    ticket = await new_ticket(system, headers=filer)
    tid = ticket["id"]
    handed = {"name": "PayCo", "reference": "PC-17", "partner_id": partner_id}
    assert (await move(system, staff, tid, "waiting_partner", partner=handed)).status_code == 200

    # The partner that filed it reads it, but the ticket waits on another.
    assert (await _answer(system, tid, filer)).status_code == 403
    assert (await _answer(system, tid, read_only)).status_code == 403  # no tickets:write
    assert (await read(system, tid, staff))["status"] == "waiting_partner"
    assert (await _answer(system, tid, partner)).status_code == 201


async def test_partner_id_names_an_active_partner(system: System) -> None:
    staff_id, staff = await issue(system, Role.agent)
    revoked_id, _ = await issue(system, Role.partner)
    revoke = await system.intake.post(
        f"/v1/credentials/{revoked_id}/revoke", headers=await agent(system, Role.admin)
    )
    assert revoke.status_code == 200, revoke.text
    ticket = await new_ticket(system)
    for wrong in (str(uuid.uuid4()), staff_id, revoked_id):
        handed = {"name": "PayCo", "reference": "PC-17", "partner_id": wrong}
        refused = await move(system, staff, ticket["id"], "waiting_partner", partner=handed)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error == {
            "field": "partner.partner_id",
            "reason": "no active partner key has this id",
        }
    assert (await read(system, ticket["id"], staff))["status"] == "received"  # no partial state
    # A partner outside SviftDesk is named in free text, as before.
    outside = {"name": "Bank of Kazan", "reference": "BK-9"}
    moved = await move(system, staff, ticket["id"], "waiting_partner", partner=outside)
    assert moved.status_code == 200, moved.text
