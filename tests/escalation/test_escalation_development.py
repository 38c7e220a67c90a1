"""Bugs to development (clause 12), on both backends, against a fake tracker on loopback:
forwards survive a failing tracker and a restart (never lost), reach it once (never doubled),
carry no personal data, and the fix callback is refused unless properly signed."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx

from services.escalation.domain import development
from shared.auth import Role
from shared.settings import Settings
from tests.escalation.helpers import (
    CUSTOMER,
    TRACKER_SECRET,
    FakeTracker,
    events,
    new_tickets,
    staff,
    wait_events,
)
from tests.support import System, eventually

SUMMARY = (
    "Оплата картой: после 3-D Secure страница зависает, в консоли 502 от /api/pay. "
    "Клиент писал с olga.smirnova@example.com, тел. +7 (912) 345-67-89. Версия 2.14.3."
)


def forward_path(ticket_id: uuid.UUID) -> str:
    return f"/v1/tickets/{ticket_id}/development"


async def forwards(system: System, ticket_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await system.clients["escalation"].get(
        forward_path(ticket_id), headers=staff(system, Role.agent)
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_forward_survives_a_failing_tracker_and_a_restart_and_is_filed_once(
    desk_settings: Settings, tracker: FakeTracker
) -> None:
    tracker.answers = [503]
    async with System.start(desk_settings, services=("escalation",)) as system:
        [ticket_id] = await new_tickets(system, 1)
        agent = staff(system, Role.agent)
        client = system.clients["escalation"]
        response = await client.post(
            forward_path(ticket_id), json={"summary": SUMMARY}, headers=agent
        )
        assert response.status_code == 202, response.text
        forward = response.json()
        assert forward["status"] == "pending" and forward["number"].startswith("SC-")
        # The agent's retry is the same forward, not a second one.
        retry = await client.post(forward_path(ticket_id), json={"summary": SUMMARY}, headers=agent)
        assert retry.status_code == 200 and retry.json()["id"] == forward["id"]
        other = await client.post(
            forward_path(ticket_id), json={"summary": "Другая ошибка целиком"}, headers=agent
        )
        assert other.status_code == 409 and forward["id"] in other.json()["detail"]

        await eventually(lambda: _count(tracker), lambda n: n >= 3)
        [waiting] = await forwards(system, ticket_id)
        assert waiting["status"] == "pending" and waiting["attempts"] >= 2
        assert waiting["last_error"] == "TrackerRefusedError: HTTP 503"
    # The service stopped while the tracker was down; it comes back, and so does the tracker.
    failed = len(tracker.requests)
    tracker.answers = [503] * failed + [201]

    async with System.start(desk_settings, services=("escalation",)) as system:
        [forwarded] = await wait_events(system, "development.forwarded", 1)
        assert forwarded["forward_id"] == forward["id"]
        assert forwarded["ticket_id"] == str(ticket_id)
        assert forwarded["tracker_reference"] == "BUG-1"
        [sent] = await forwards(system, ticket_id)
        assert sent["status"] == "sent" and sent["attempts"] == failed + 1
        assert sent["tracker_reference"] == "BUG-1" and sent["last_error"] is None
        assert await system.count_rows("escalation", "forward") == 1
        await asyncio.sleep(0.5)
        assert len(tracker.requests) == failed + 1  # accepted: never sent again
        assert len(await events(system, "development.forwarded")) == 1

    # Every try was the same request: same key, same body; the tracker filed one bug.
    assert {r.headers["idempotency-key"] for r in tracker.requests} == {forward["id"]}
    assert len({r.body for r in tracker.requests}) == 1
    assert tracker.filed == {forward["id"]: "BUG-1"}
    # With growing delays between the failed tries (100 ms, 200 ms, then 300 ms repeating).
    gaps = [b.at - a.at for a, b in zip(tracker.requests, tracker.requests[1:], strict=False)]
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19

    # Technical content only: no customer, and what the agent pasted by mistake is masked.
    request = tracker.requests[-1]
    body = request.json()
    text = request.body.decode()
    assert CUSTOMER.email not in text and CUSTOMER.name not in text
    assert "+7 (912)" not in text and "[email]" in body["summary"] and "[phone]" in body["summary"]
    assert "502 от /api/pay" in body["summary"] and "2.14.3" in body["summary"]
    assert set(body) == {
        "forward_id",
        "ticket_number",
        "category",
        "channel",
        "summary",
        "requested_at",
    }
    # Signed, so the tracker knows it is us.
    assert development.signature_valid(
        TRACKER_SECRET,
        timestamp=request.headers["x-sviftdesk-timestamp"],
        signature=request.headers["x-sviftdesk-signature"],
        body=request.body,
        now=time.time(),
    )


async def _count(tracker: FakeTracker) -> int:
    return len(tracker.requests)


def signed(body: bytes, *, secret: str = TRACKER_SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = int(at if at is not None else time.time())
    return {
        "Content-Type": "application/json",
        "X-SviftDesk-Timestamp": str(timestamp),
        "X-SviftDesk-Signature": development.sign(secret, timestamp, body),
    }


async def test_the_fix_notice_must_be_signed_and_tells_every_linked_ticket(
    desk: System, tracker: FakeTracker
) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    tickets = await new_tickets(desk, 3)
    ids = []
    for ticket_id in tickets:
        response = await client.post(
            forward_path(ticket_id),
            json={"summary": f"Ошибка 502 при оплате, билет {ticket_id}"},
            headers=agent,
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    forwarded = await wait_events(desk, "development.forwarded", 3)
    reference = {f["forward_id"]: f["tracker_reference"] for f in forwarded}
    # The tracker names one bug by its own reference and one by our forward id.
    notice = {
        "release": "2025.12.1",
        "notes": "Исправлена обработка ответа платёжного шлюза.",
        "references": [reference[ids[0]]],
        "forward_ids": [ids[1]],
    }
    raw = json.dumps(notice).encode()
    callback = "/v1/development/callback"

    refused: list[httpx.Response] = [
        await client.post(callback, content=raw, headers={"Content-Type": "application/json"}),
        await client.post(callback, content=raw, headers=signed(raw, secret="wrong-" + "x" * 40)),
        await client.post(callback, content=raw, headers=signed(raw, at=time.time() - 600)),
        await client.post(callback, content=raw.replace(b"2025", b"2026"), headers=signed(raw)),
        await client.post(
            callback,
            content=raw,
            headers={**signed(raw), "X-SviftDesk-Signature": "sha256=" + "0" * 64},
        ),
    ]
    for response in refused:
        assert response.status_code == 401, response.text
    assert await events(desk, "development.fix_released") == []
    assert [f["status"] for f in await forwards(desk, tickets[0])] == ["sent"]

    accepted = await client.post(callback, content=raw, headers=signed(raw))
    assert accepted.status_code == 200, accepted.text
    assert set(accepted.json()["newly_released"]) == {ids[0], ids[1]}
    [released] = await wait_events(desk, "development.fix_released", 1)
    assert released["release"] == "2025.12.1"
    assert released["notes"] == notice["notes"]
    assert set(released["ticket_ids"]) == {str(tickets[0]), str(tickets[1])}
    assert set(released["forward_ids"]) == {ids[0], ids[1]}
    [done] = await forwards(desk, tickets[0])
    assert done["status"] == "released" and done["release"] == "2025.12.1"

    # The same notice again (a tracker's retry, or a replay within the window): no second effect.
    again = await client.post(callback, content=raw, headers=signed(raw))
    assert again.status_code == 200 and again.json()["newly_released"] == []
    assert len(await events(desk, "development.fix_released")) == 1

    for body, status, field in (
        ({"release": "2025.12.2"}, 422, "forward_ids"),
        ({"release": "", "forward_ids": [ids[2]]}, 422, "release"),
        ({"release": "2025.12.2", "forward_ids": ["nope"]}, 422, "forward_ids"),
        ({"release": "2025.12.2", "forward_ids": [str(uuid.uuid4())]}, 404, None),
    ):
        payload = json.dumps(body).encode()
        response = await client.post(callback, content=payload, headers=signed(payload))
        assert response.status_code == status, response.text
        if field:
            assert field in response.json()["detail"]
    malformed = b"{not json"
    assert (
        await client.post(callback, content=malformed, headers=signed(malformed))
    ).status_code == 400

    # Its fix shipped, the ticket may go to development again with a new bug.
    again = await client.post(
        forward_path(tickets[0]), json={"summary": "Новая ошибка после релиза"}, headers=agent
    )
    assert again.status_code == 202 and again.json()["id"] not in ids


async def test_a_hostile_tracker_answer_or_callback_is_refused_not_a_failure(
    desk: System, tracker: FakeTracker
) -> None:
    # An answer nested past any parser's stack: the forward is filed, without a reference.
    tracker.answer_body = b'{"reference":' + b"[" * 200_000
    [ticket_id] = await new_tickets(desk, 1)
    client = desk.clients["escalation"]
    response = await client.post(
        forward_path(ticket_id), json={"summary": "Ошибка 502"}, headers=staff(desk, Role.agent)
    )
    assert response.status_code == 202, response.text
    [forwarded] = await wait_events(desk, "development.forwarded", 1)
    assert forwarded["tracker_reference"] is None
    assert len(tracker.requests) == 1

    # A timestamp of any length is a refusal, never a failure.
    raw = json.dumps({"release": "1", "forward_ids": [forwarded["forward_id"]]}).encode()
    for timestamp in ("9" * 30, "1" * 5_000, "-1", "1e9", "١٧٠٠٠٠٠٠٠٠"):
        headers = {**signed(raw), "X-SviftDesk-Timestamp": timestamp.encode()}
        refused = await client.post("/v1/development/callback", content=raw, headers=headers)
        assert refused.status_code == 401, (timestamp[:10], refused.text)


async def test_a_tracker_that_never_finishes_its_answer_is_given_up_and_tried_again(
    desk_settings: Settings, tracker: FakeTracker
) -> None:
    # Each byte comes well within the read timeout; the answer as a whole never does.
    tracker.drip_answers, tracker.drip_seconds = 1, 0.1
    quick = desk_settings.model_copy(update={"tracker_timeout_seconds": 1.0})
    async with System.start(quick, services=("escalation",)) as system:
        [ticket_id] = await new_tickets(system, 1)
        response = await system.clients["escalation"].post(
            forward_path(ticket_id), json={"summary": SUMMARY}, headers=staff(system, Role.agent)
        )
        assert response.status_code == 202, response.text
        [forwarded] = await wait_events(system, "development.forwarded", 1, timeout=15)
        assert forwarded["tracker_reference"] == "BUG-1"
        [sent] = await forwards(system, ticket_id)
        assert sent["status"] == "sent" and sent["attempts"] == 2
    # The same forward was tried again after the deadline, and filed once.
    assert len(tracker.requests) == 2 and len(tracker.filed) == 1


async def test_forwarding_needs_an_agent_a_known_ticket_and_a_summary(desk: System) -> None:
    client, agent = desk.clients["escalation"], staff(desk, Role.agent)
    [ticket_id] = await new_tickets(desk, 1)
    body = {"summary": "Ошибка 502 при оплате картой"}
    assert (await client.post(forward_path(ticket_id), json=body)).status_code == 401
    cases = [
        (await client.post(forward_path(uuid.uuid4()), json=body, headers=agent), 404, None),
        (
            await client.post("/v1/tickets/nope/development", json=body, headers=agent),
            422,
            "ticket_id",
        ),
        (await client.post(forward_path(ticket_id), json={}, headers=agent), 422, "summary"),
        (
            await client.post(forward_path(ticket_id), json={"summary": "баг"}, headers=agent),
            422,
            "summary",
        ),
        (
            await client.post(
                forward_path(ticket_id), json={**body, "email": "a@b.c"}, headers=agent
            ),
            422,
            "email",
        ),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        if field:
            assert field in response.json()["detail"]
    assert await desk.count_rows("escalation", "forward") == 0
