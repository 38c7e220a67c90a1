"""The sla service end to end, on both backends: clocks driven by intake's events, the
calendar over HTTP, warnings and breaches on time and once, extensions with a reason."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.sla.tables import clock
from services.sla.tables import outbox as sla_outbox
from shared.auth import Role
from shared.contracts.events import (
    Category,
    Complexity,
    CustomerRef,
    EventPayload,
    Language,
    TicketCategorySet,
    TicketComplexitySet,
    TicketStatus,
    TicketStatusChanged,
)
from shared.settings import Settings
from tests import events
from tests.support import System, eventually

S = TicketStatus

CUSTOMER = CustomerRef(
    id=uuid.uuid4(), email="c@example.com", name="C", language=Language.ru, is_new=False
)


async def publish(
    system: System,
    payload: EventPayload,
    ticket_id: uuid.UUID,
    *,
    correlation_id: str | None = None,
) -> None:
    event = events.envelope(payload, subject=ticket_id, correlation_id=correlation_id)
    await system.runtime("intake").bus.publish(event)


async def new_ticket(system: System, received_at: datetime) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    created = events.ticket_created(
        ticket_id, number="SC-000777", subject="s", received_at=received_at, customer=CUSTOMER
    )
    await publish(system, created, ticket_id)
    return ticket_id


async def sla_envelopes(system: System, event_type: str) -> list[dict[str, Any]]:
    async with system.runtime("sla").db.sessions() as session:
        rows = await session.execute(
            select(sla_outbox.c.envelope)
            .where(sla_outbox.c.event_type == event_type)
            .order_by(sla_outbox.c.id)
        )
        return list(rows.scalars())


async def sla_events(system: System, event_type: str) -> list[dict[str, Any]]:
    return [envelope["data"] for envelope in await sla_envelopes(system, event_type)]


async def wait_events(system: System, event_type: str, count: int) -> list[dict[str, Any]]:
    return await eventually(
        lambda: sla_events(system, event_type), lambda found: len(found) >= count, timeout=20
    )


def agent(system: System, role: Role = Role.agent) -> dict[str, str]:
    token = system.runtime("sla").signer.issue(uuid.uuid4(), role)
    return {"Authorization": f"Bearer {token}"}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_targets_are_set_on_the_real_calendar_when_a_ticket_arrives(system: System) -> None:
    # Friday evening in Moscow: the clock starts on Monday, and 24 business hours end Wednesday.
    ticket_id = await new_ticket(system, at("2025-11-14T19:05:00+03:00"))
    [targets] = await wait_events(system, "sla.targets_set", 1)
    assert at(targets["clock_starts_at"]) == at("2025-11-17T09:00:00+03:00")
    assert at(targets["first_response_due_at"]) == at("2025-11-19T15:00:00+03:00")
    assert at(targets["resolution_due_at"]) == at("2025-11-19T18:00:00+03:00")
    assert targets["policy_version"] == "2025.1"

    response = await system.clients["sla"].get(
        f"/v1/tickets/{ticket_id}/sla", headers=agent(system)
    )
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["number"] == "SC-000777"
    assert view["first_response"]["budget_minutes"] == 1440
    # A page of the queue asks for many at once: those with a clock are answered, alike.
    many = await system.clients["sla"].get(
        "/v1/tickets/sla",
        params={"ticket_id": [str(ticket_id), str(uuid.uuid4())]},
        headers=agent(system),
    )
    assert many.status_code == 200, many.text
    assert [v["ticket_id"] for v in many.json()] == [str(ticket_id)]
    assert many.json()[0]["first_response"]["budget_minutes"] == 1440
    unsigned = await system.clients["sla"].get(
        "/v1/tickets/sla", params={"ticket_id": str(ticket_id)}
    )
    assert unsigned.status_code == 401
    # Long past its due time now: the scan marks both targets breached.
    await wait_events(system, "sla.breached", 2)
    view = (
        await system.clients["sla"].get(f"/v1/tickets/{ticket_id}/sla", headers=agent(system))
    ).json()
    assert view["first_response"]["state"] == "breached"
    assert view["resolution"]["left_minutes"] == 0


async def test_breach_is_raised_within_seconds_and_exactly_once(open_system: System) -> None:
    system = open_system
    now = datetime.now(UTC)
    # 24 business hours after arrival, minus 4 s: due 4 s from now on an always-open desk.
    ticket_id = await new_ticket(system, now - timedelta(minutes=1440) + timedelta(seconds=4))
    # Both targets are past their warning share (1440 of 1440 and of 1620 minutes).
    warnings = await wait_events(system, "sla.warning", 2)
    assert sorted(w["target"] for w in warnings) == ["first_response", "resolution"]
    [breach] = await wait_events(system, "sla.breached", 1)
    due, breached = at(breach["due_at"]), at(breach["breached_at"])
    assert breach["ticket_id"] == str(ticket_id)
    assert timedelta(0) <= breached - due < timedelta(seconds=10)
    await asyncio.sleep(3)
    assert len(await sla_events(system, "sla.breached")) == 1
    assert len(await sla_events(system, "sla.warning")) == 2
    # The ticket's timeline shows both warnings and the breach, when they were raised.
    history = (await sla_view(system, ticket_id))["history"]
    kinds = [(e["kind"], e["target"]) for e in history]
    assert sorted(kinds) == [
        ("breach", "first_response"),
        ("warning", "first_response"),
        ("warning", "resolution"),
    ]
    [raised] = [e for e in history if e["kind"] == "breach"]
    assert at(raised["at"]) == breached


async def test_no_alert_twice_across_restarts_and_replicas(
    open_system: System, settings: Settings, tmp_path: Path
) -> None:
    system = open_system
    now = datetime.now(UTC)
    for n in range(5):
        await new_ticket(system, now - timedelta(minutes=1440) + timedelta(seconds=3 + n % 2))
    await wait_events(system, "sla.targets_set", 5)
    # A second replica of the sla service on the same database scans too.
    replica_settings = system.settings
    async with System.start(replica_settings, services=("sla",), smtp_sink=None):
        await wait_events(system, "sla.breached", 5)
        await asyncio.sleep(3)
    # And a restarted replica finds every alert already raised.
    async with System.start(replica_settings, services=("sla",), smtp_sink=None):
        await asyncio.sleep(3)
    breaches = await sla_events(system, "sla.breached")
    assert sorted(b["ticket_id"] for b in breaches) == sorted({b["ticket_id"] for b in breaches})
    assert len(breaches) == 5
    assert len(await sla_events(system, "sla.warning")) == 10  # both targets of each ticket


def status_change(
    ticket_id: uuid.UUID, old: TicketStatus, new: TicketStatus, when: datetime
) -> TicketStatusChanged:
    return events.status_changed(
        ticket_id, new, old, number="SC-000777", changed_at=when, customer=CUSTOMER
    )


async def sla_view(system: System, ticket_id: uuid.UUID | str) -> dict[str, Any]:
    response = await system.clients["sla"].get(
        f"/v1/tickets/{ticket_id}/sla", headers=agent(system)
    )
    return dict(response.json())


async def test_pause_while_waiting_on_the_customer(open_system: System) -> None:
    system = open_system
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    ticket_id = await new_ticket(system, t0)
    await wait_events(system, "sla.targets_set", 1)

    await publish(
        system,
        status_change(
            ticket_id,
            TicketStatus.in_progress,
            TicketStatus.waiting_customer,
            t0 + timedelta(hours=1),
        ),
        ticket_id,
    )
    await publish(
        system,
        status_change(
            ticket_id,
            TicketStatus.waiting_customer,
            TicketStatus.in_progress,
            t0 + timedelta(hours=3),
        ),
        ticket_id,
    )

    async def view() -> dict[str, Any]:
        response = await system.clients["sla"].get(
            f"/v1/tickets/{ticket_id}/sla", headers=agent(system)
        )
        return dict(response.json())

    # Two hours paused: the first response is due 24 h + 2 h after arrival.
    expected = t0 + timedelta(hours=26)
    current = await eventually(
        view,
        lambda v: v["first_response"]["due_at"] and at(v["first_response"]["due_at"]) == expected,
    )
    assert current["paused"] is False
    assert 179 <= current["first_response"]["used_minutes"] <= 181  # 1 h + 2 h since resuming

    await publish(
        system,
        TicketComplexitySet(
            ticket_id=ticket_id,
            number="SC-000777",
            complexity=Complexity.simple,
            set_at=t0 + timedelta(hours=4),
        ),
        ticket_id,
    )
    current = await eventually(view, lambda v: v["resolution"]["budget_minutes"] == 540)
    assert at(current["resolution"]["due_at"]) == t0 + timedelta(minutes=540 + 120)

    await publish(
        system,
        events.message_added(
            ticket_id,
            number="SC-000777",
            body="Здравствуйте!",
            added_at=t0 + timedelta(hours=4, minutes=30),
            customer=CUSTOMER,
        ),
        ticket_id,
    )
    [met] = await wait_events(system, "sla.met", 1)
    assert met["target"] == "first_response"
    assert met["business_minutes"] == 150  # 4.5 h less the 2 h paused
    assert met["within_target"] is True


@pytest.mark.parametrize("waiting", [TicketStatus.waiting_partner, TicketStatus.in_development])
async def test_waiting_on_a_partner_or_development_pauses_the_clocks(
    open_system: System, waiting: TicketStatus
) -> None:
    """Clauses 12, 17, 25: a bug with development or a question with a partner does not breach
    while the desk cannot act (the bundled policy's pause_while)."""
    system = open_system
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    ticket_id = await new_ticket(system, t0)
    await wait_events(system, "sla.targets_set", 1)
    await publish(
        system,
        status_change(ticket_id, TicketStatus.in_progress, waiting, t0 + timedelta(hours=1)),
        ticket_id,
    )
    paused = await eventually(lambda: sla_view(system, "SC-000777"), lambda v: v["paused"])
    assert paused["first_response"]["state"] == "paused"
    assert paused["first_response"]["due_at"] is None
    assert paused["resolution"]["due_at"] is None
    await publish(
        system,
        status_change(ticket_id, waiting, TicketStatus.in_progress, t0 + timedelta(hours=4)),
        ticket_id,
    )
    resumed = await eventually(lambda: sla_view(system, ticket_id), lambda v: v["paused"] is False)
    # Three hours waiting do not count: due 24 h + 3 h after arrival.
    assert at(resumed["first_response"]["due_at"]) == t0 + timedelta(hours=27)


async def test_a_finished_ticket_cannot_be_extended(open_system: System) -> None:
    """Clause 26 is about work still to do: no "we need more time" mail for a closed ticket."""
    system = open_system
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    ticket_id = await new_ticket(system, t0)
    await wait_events(system, "sla.targets_set", 1)
    await publish(
        system,
        status_change(ticket_id, TicketStatus.in_progress, TicketStatus.resolved, t0),
        ticket_id,
    )
    await eventually(lambda: sla_view(system, ticket_id), lambda v: v["status"] == "resolved")
    response = await system.clients["sla"].post(
        f"/v1/tickets/{ticket_id}/sla/extension",
        json={"business_days": 1, "reason": "Нужно больше времени."},
        headers=agent(system),
    )
    assert response.status_code == 409, response.text
    assert "resolved" in response.json()["detail"]
    assert await sla_events(system, "sla.extended") == []


async def test_extension_moves_the_target_and_carries_the_reason(open_system: System) -> None:
    system = open_system
    t0 = datetime.now(UTC).replace(microsecond=0)
    ticket_id = await new_ticket(system, t0)
    [targets] = await wait_events(system, "sla.targets_set", 1)
    sla = system.clients["sla"]
    path = f"/v1/tickets/{ticket_id}/sla/extension"
    reason = "Исправление требует доработки платформы; мы сообщим о выпуске."

    response = await sla.post(
        path, json={"business_days": 2, "reason": reason}, headers=agent(system)
    )
    assert response.status_code == 200, response.text
    assert response.json()["extension_minutes"] == 2 * 540
    [extended] = await wait_events(system, "sla.extended", 1)
    assert extended["reason"] == reason
    assert at(extended["resolution_due_at"]) == at(targets["resolution_due_at"]) + timedelta(
        minutes=2 * 540
    )

    refused = [
        (await sla.post(path, json={"business_days": 2}, headers=agent(system)), 422, "reason"),
        (
            await sla.post(
                path, json={"business_days": 0, "reason": reason}, headers=agent(system)
            ),
            422,
            "business_days",
        ),
        (await sla.post(path, json={"business_days": 1, "reason": reason}), 401, None),
        (
            await sla.post(
                f"/v1/tickets/{uuid.uuid4()}/sla/extension",
                json={"business_days": 1, "reason": reason},
                headers=agent(system),
            ),
            404,
            None,
        ),
    ]
    for response, status, field in refused:
        assert response.status_code == status, response.text
        if field:
            assert field in response.json()["detail"]
    assert len(await sla_events(system, "sla.extended")) == 1

    # The ticket's SLA lists the extension with its reason, for the ticket's timeline.
    [event] = (await sla_view(system, ticket_id))["history"]
    assert (event["kind"], event["business_days"], event["reason"]) == ("extension", 2, reason)


async def test_calendar_over_http(system: System) -> None:
    sla = system.clients["sla"]
    added = await sla.post(
        "/v1/calendar/add", json={"start": "2025-11-17T09:00:00+03:00", "minutes": 540}
    )
    assert added.json() == {"end": "2025-11-17T18:00:00+03:00"}
    # A UTC instant on Friday evening: the answer comes in Moscow time, from Monday's opening.
    added = await sla.post(
        "/v1/calendar/add", json={"start": "2025-11-14T16:00:00Z", "minutes": 60}
    )
    assert added.json() == {"end": "2025-11-17T10:00:00+03:00"}
    between = await sla.post(
        "/v1/calendar/between",
        json={"start": "2025-12-31T17:00:00+03:00", "end": "2026-01-12T10:00:00+03:00"},
    )
    assert between.json() == {"minutes": 60}  # Jan 1–11 2026 are the New Year holidays
    opened = await sla.get("/v1/calendar/open", params={"at": "2025-11-17T18:00:00+03:00"})
    assert opened.json() == {"open": False, "next_open": "2025-11-18T09:00:00+03:00"}
    opened = await sla.get("/v1/calendar/open", params={"at": "2025-11-17T17:59:00+03:00"})
    assert opened.json()["open"] is True
    policy = (await sla.get("/v1/policy")).json()
    assert policy["in_force"] == "2025.1"
    assert policy["versions"][0]["timezone"] == "Europe/Moscow"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/calendar/add", {"start": "2025-11-17T09:00:00", "minutes": 5}, "start"),
        ("/v1/calendar/add", {"start": "yesterday", "minutes": 5}, "start"),
        ("/v1/calendar/add", {"start": "2025-11-17T09:00:00+03:00", "minutes": -5}, "minutes"),
        ("/v1/calendar/add", {"start": "2025-11-17T09:00:00+03:00", "minutes": 10**12}, "minutes"),
        ("/v1/calendar/add", {"start": "2099-11-17T09:00:00+03:00", "minutes": 5_000_000}, "start"),
        ("/v1/calendar/add", {"start": "2025-11-17T09:00:00+03:00", "minutes": 5, "x": 1}, "x"),
        ("/v1/calendar/between", {"start": "2025-11-17T09:00:00+03:00"}, "end"),
        (
            "/v1/calendar/between",
            {"start": "1900-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"},
            "start",
        ),
    ],
)
async def test_calendar_bad_input_names_the_field(
    system: System, path: str, body: dict[str, Any], field: str
) -> None:
    response = await system.clients["sla"].post(path, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


async def test_calendar_open_refuses_a_naive_time(system: System) -> None:
    response = await system.clients["sla"].get(
        "/v1/calendar/open", params={"at": "2025-11-17T10:00:00"}
    )
    assert response.status_code == 422
    assert "at" in response.json()["detail"]


async def test_sla_view_needs_a_staff_token(system: System) -> None:
    ticket_id = await new_ticket(system, datetime.now(UTC))
    await wait_events(system, "sla.targets_set", 1)
    sla = system.clients["sla"]
    assert (await sla.get(f"/v1/tickets/{ticket_id}/sla")).status_code == 401
    forged = {"Authorization": "Bearer sd1.e30.AAAA.forged"}
    assert (await sla.get(f"/v1/tickets/{ticket_id}/sla", headers=forged)).status_code == 401
    assert (await sla.get("/v1/tickets/nope/sla", headers=agent(system))).status_code == 404


async def test_escalation_review_has_its_own_target(system: System) -> None:
    """...and what the review's clock says carries a correlation id: the closing event's for
    the target met, the scan's own for the breach, so ops can follow either chain."""
    ticket_id, escalation_id = uuid.uuid4(), uuid.uuid4()
    # Opened on Friday evening: one business day of review ends Monday 18:00.
    opened = at("2025-11-14T19:00:00+03:00")
    await publish(
        system,
        events.escalation_opened(
            ticket_id,
            escalation_id=escalation_id,
            number="SC-000777",
            reason="Прошу пересмотреть",
            opened_at=opened,
        ),
        ticket_id,
        correlation_id="req-open-1",
    )
    breaches = await wait_events(system, "sla.breached", 1)
    assert breaches[0]["target"] == "escalation_review"
    assert at(breaches[0]["due_at"]) == at("2025-11-17T18:00:00+03:00")
    await publish(
        system,
        events.escalation_closed(
            ticket_id,
            escalation_id=escalation_id,
            number="SC-000777",
            outcome="Решение пересмотрено.",
            opened_at=opened,
            closed_at=at("2025-11-18T10:00:00+03:00"),
        ),
        ticket_id,
        correlation_id="req-close-2",
    )
    [met] = await wait_events(system, "sla.met", 1)
    assert met["target"] == "escalation_review"
    assert met["business_minutes"] == 540 + 60  # all of Monday and Tuesday's first hour
    assert met["within_target"] is False
    [met_envelope] = await sla_envelopes(system, "sla.met")
    assert met_envelope["correlationid"] == "req-close-2"
    [breach_envelope] = await sla_envelopes(system, "sla.breached")
    assert breach_envelope["correlationid"]  # the scan round's, not none


async def test_a_resolved_ticket_closes_by_itself_after_five_business_days(system: System) -> None:
    ticket_id = await new_ticket(system, at("2025-11-10T10:00:00+03:00"))
    await wait_events(system, "sla.targets_set", 1)

    def change(new: TicketStatus, when: str) -> TicketStatusChanged:
        return events.status_changed(
            ticket_id,
            new,
            TicketStatus.in_progress,
            number="SC-000777",
            changed_at=at(when),
            customer=CUSTOMER,
        )

    # Resolved on Thursday 15:00: 3 h that day, then Mon–Thu, then 6 h of the next Monday —
    # the Friday-to-Sunday weekend never counts.
    await publish(system, change(TicketStatus.resolved, "2025-11-13T15:00:00+03:00"), ticket_id)
    [due] = await wait_events(system, "sla.auto_close_due", 1)
    assert at(due["due_at"]) == at("2025-11-24T15:00:00+03:00")
    assert at(due["resolved_at"]) == at("2025-11-13T15:00:00+03:00")

    # Another ticket whose customer wrote back before then: reopened, it never closes itself.
    other = await new_ticket(system, at("2025-11-10T10:00:00+03:00"))
    await wait_events(system, "sla.targets_set", 2)
    reopened = change(TicketStatus.in_progress, "2025-11-14T10:00:00+03:00")
    resolved = change(TicketStatus.resolved, "2025-11-13T15:00:00+03:00")
    for payload in (reopened, resolved):  # the later fact first, then the earlier one
        await publish(system, payload.model_copy(update={"ticket_id": other}), other)
        await asyncio.sleep(1)
    await asyncio.sleep(3)
    assert [d["ticket_id"] for d in await sla_events(system, "sla.auto_close_due")] == [
        str(ticket_id)
    ]


async def test_the_later_judgement_stands_whatever_order_its_events_arrive_in(
    open_system: System,
) -> None:
    """Two quick corrections may be handled in either order: the later one is what counts."""
    system, t0 = open_system, datetime.now(UTC).replace(microsecond=0)
    ticket_id = await new_ticket(system, t0)
    await wait_events(system, "sla.targets_set", 1)

    async def judged(newer: EventPayload, older: EventPayload) -> None:
        await publish(system, newer, ticket_id)
        stale = events.envelope(older, subject=ticket_id)
        await system.runtime("intake").bus.publish(stale)
        await eventually(lambda: system.has_handled("sla", stale.id), bool)

    def complexity(value: Complexity, hours: int) -> TicketComplexitySet:
        return TicketComplexitySet(
            ticket_id=ticket_id,
            number="SC-000777",
            complexity=value,
            set_at=t0 + timedelta(hours=hours),
        )

    def category(value: Category, hours: int) -> TicketCategorySet:
        return TicketCategorySet(
            ticket_id=ticket_id,
            number="SC-000777",
            category=value,
            previous=None,
            subject="s",
            set_at=t0 + timedelta(hours=hours),
        )

    await judged(complexity(Complexity.complex, 2), complexity(Complexity.simple, 1))
    await judged(category(Category.question, 2), category(Category.complaint, 1))
    view = await system.clients["sla"].get(f"/v1/tickets/{ticket_id}/sla", headers=agent(system))
    assert view.json()["resolution"]["budget_minutes"] == 3 * 540  # complex, not simple
    async with system.runtime("sla").db.sessions() as session:
        row = (await session.execute(select(clock).where(clock.c.ticket_id == ticket_id))).one()
    assert (row.complexity, row.category) == ("complex", "question")
