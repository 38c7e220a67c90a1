"""SLA reports and ops gauges over HTTP, on both backends (clause 22).

The report's figures come from a hand-built set of tickets on the real calendar (Mon–Thu
09:00–18:00 Moscow); each expected number is worked out below from the tickets' facts. Only
the sla service runs, so no other service reacts to breaches (the escalation service would
open escalations of its own).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.auth import Role
from shared.contracts.events import (
    Category,
    Channel,
    Complexity,
    CustomerRef,
    EventPayload,
    Language,
    TicketComplexitySet,
    TicketStatus,
)
from shared.settings import Settings
from tests import events
from tests.support import ALWAYS_OPEN, System, eventually

CUSTOMER = CustomerRef(
    id=uuid.uuid4(), email="c@example.com", name="C", language=Language.ru, is_new=False
)
PERIOD = {"from": "2025-11-17T00:00:00+03:00", "to": "2025-12-01T00:00:00+03:00"}


@pytest.fixture
async def sla(settings: Settings) -> AsyncIterator[System]:
    async with System.start(settings, services=("sla",)) as system:
        yield system


@pytest.fixture
async def open_sla(settings: Settings, tmp_path: Path) -> AsyncIterator[System]:
    policy = tmp_path / "policy.toml"
    policy.write_text(ALWAYS_OPEN)
    settings = settings.model_copy(update={"policy_file": policy})
    async with System.start(settings, services=("sla",)) as system:
        yield system


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def staff(system: System, role: Role = Role.agent) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.runtime('sla').signer.issue(uuid.uuid4(), role)}"}


@dataclass
class Ticket:
    """Publishes intake's facts about one ticket, as intake would."""

    system: System
    id: uuid.UUID

    @classmethod
    async def create(
        cls,
        system: System,
        received_at: str | datetime,
        channel: Channel = Channel.web,
        category: Category | None = None,
    ) -> Ticket:
        ticket = cls(system, uuid.uuid4())
        received = at(received_at) if isinstance(received_at, str) else received_at
        await ticket.publish(
            events.ticket_created(
                ticket.id,
                number="SC-000022",
                channel=channel,
                category=category,
                subject="s",
                received_at=received,
                customer=CUSTOMER,
            )
        )
        return ticket

    async def publish(self, payload: EventPayload) -> None:
        await self.system.runtime("sla").bus.publish(events.envelope(payload, subject=self.id))

    async def move(self, to: TicketStatus, when: str | datetime) -> None:
        await self.publish(
            events.status_changed(
                self.id,
                to,
                TicketStatus.in_progress,
                number="SC-000022",
                changed_at=at(when) if isinstance(when, str) else when,
                customer=CUSTOMER,
            )
        )

    async def reply(self, when: str) -> None:
        await self.publish(
            events.message_added(
                self.id,
                number="SC-000022",
                body="Здравствуйте!",
                added_at=at(when),
                customer=CUSTOMER,
            )
        )

    async def complexity(self, value: Complexity, when: str) -> None:
        await self.publish(
            TicketComplexitySet(
                ticket_id=self.id, number="SC-000022", complexity=value, set_at=at(when)
            )
        )

    async def escalate(self, when: str) -> None:
        await self.publish(
            events.escalation_opened(
                self.id, number="SC-000022", reason="Прошу пересмотреть", opened_at=at(when)
            )
        )


async def build_tickets(system: System) -> None:
    """Five tickets received in PERIOD (Moscow times), two just outside it.

    T1 web, bug, simple: Mon 17 Nov 10:00; answered 11:30 (fr 90); resolved Tue 10:00
       (res: Mon 10–18 480 + Tue 9–10 60 = 540 ≤ 540 simple: met); escalated once.
    T2 email, question: Thu 20 Nov 17:00; answered Mon 24 10:00 (fr: Thu 60 + Mon 60 = 120);
       resolved Wed 26 12:00 (res: 60 + 540 + 540 + 180 = 1320 ≤ 1620, complexity unset: met);
       escalated once.
    T3 web, bug, simple: Mon 17 Nov 09:00; answered 11:20 (fr 140); waits on the customer
       Mon 12:00 – Tue 12:00 (paused); resolved Wed 19 12:00 (res: 180 + 360 + 180 = 720 >
       540: met late, a breach).
    T4 partner, no category: Sunday 23 Nov 22:30 UTC = Monday 01:30 Moscow (week 48 there,
       week 47 in UTC); never answered: both targets breached; extended twice, by a day.
    T5 web, question: Friday 28 Nov 15:00, the desk closed: its clock starts Mon 1 Dec
       09:00; answered 09:45 (fr 45), resolved 10:00 (res 60): met.
    Outside: Sunday 16 Nov 23:59, and 1 Dec 00:00 (``to`` is exclusive).
    """
    t1 = await Ticket.create(system, "2025-11-17T10:00:00+03:00", Channel.web, Category.bug)
    t2 = await Ticket.create(system, "2025-11-20T17:00:00+03:00", Channel.email, Category.question)
    t3 = await Ticket.create(system, "2025-11-17T09:00:00+03:00", Channel.web, Category.bug)
    t4 = await Ticket.create(system, "2025-11-23T22:30:00+00:00", Channel.partner)
    t5 = await Ticket.create(system, "2025-11-28T15:00:00+03:00", Channel.web, Category.question)
    for outside in ("2025-11-16T23:59:00+03:00", "2025-12-01T00:00:00+03:00"):
        await Ticket.create(system, outside, Channel.api, Category.other)
    await clocks_started(system, 7)  # facts about a ticket with no clock yet would be retried

    await t1.complexity(Complexity.simple, "2025-11-17T10:10:00+03:00")
    await t1.reply("2025-11-17T11:30:00+03:00")
    await t1.escalate("2025-11-17T12:00:00+03:00")
    await t1.move(TicketStatus.resolved, "2025-11-18T10:00:00+03:00")

    await t2.reply("2025-11-24T10:00:00+03:00")
    await t2.escalate("2025-11-25T10:00:00+03:00")
    await t2.move(TicketStatus.resolved, "2025-11-26T12:00:00+03:00")

    await t3.complexity(Complexity.simple, "2025-11-17T09:10:00+03:00")
    await t3.reply("2025-11-17T11:20:00+03:00")
    await t3.move(TicketStatus.waiting_customer, "2025-11-17T12:00:00+03:00")
    await t3.move(TicketStatus.in_progress, "2025-11-18T12:00:00+03:00")
    await t3.move(TicketStatus.resolved, "2025-11-19T12:00:00+03:00")

    await t5.reply("2025-12-01T09:45:00+03:00")
    await t5.move(TicketStatus.resolved, "2025-12-01T10:00:00+03:00")

    async def extend() -> int:
        response = await system.clients["sla"].post(
            f"/v1/tickets/{t4.id}/sla/extension",
            json={"business_days": 1, "reason": "Ждём ответа партнёра."},
            headers=staff(system),
        )
        return response.status_code

    await eventually(extend, lambda status: status == 200)  # once its clock exists
    assert await extend() == 200


async def clocks_started(system: System, count: int) -> None:
    await eventually(lambda: system.count_rows("sla", "clock"), lambda n: n >= count)


def target(
    measured: int,
    median: float | None,
    p90: float | None,
    met: int,
    breached: int,
    share: float | None,
) -> dict[str, Any]:
    return {
        "measured": measured,
        "median_minutes": median,
        "p90_minutes": p90,
        "met": met,
        "breached": breached,
        "met_share": share,
    }


def row(
    group: str | None,
    tickets: int,
    fr: dict[str, Any],
    res: dict[str, Any],
    escalations: int = 0,
    extensions: int = 0,
) -> dict[str, Any]:
    return {
        "group": group,
        "tickets": tickets,
        "first_response": fr,
        "resolution": res,
        "breaches": fr["breached"] + res["breached"],
        "escalations": escalations,
        "extensions": extensions,
        # No ratings here: tests/sla/test_satisfaction_report.py drives those from intake.
        "csat": {"ratings": 0, "satisfied": 0, "satisfied_share": None, "average_score": None},
    }


# Medians and p90s interpolate between ranks: p90 of n sorted values sits at rank 0.9 (n − 1).
EXPECTED: dict[str | None, list[dict[str, Any]]] = {
    None: [
        row(
            None,
            5,
            # [45, 90, 120, 140]: median 90 + 30 × 0.5; p90 at rank 2.7: 120 + 20 × 0.7.
            # Met: all four answered in time; breached: T4 — 4 of 5.
            target(4, 105.0, 134.0, 4, 1, 0.8),
            # [60, 540, 720, 1320]: median 540 + 180 × 0.5; p90 720 + 600 × 0.7.
            # Met: T1, T2, T5; breached: T3 (late) and T4 — 3 of 5.
            target(4, 630.0, 1140.0, 3, 2, 0.6),
            escalations=2,
            extensions=2,
        )
    ],
    "category": [
        # bug: T1, T3. fr [90, 140]: 115, p90 90 + 50 × 0.9; res [540, 720]: 630, 702.
        row("bug", 2, target(2, 115.0, 135.0, 2, 0, 1.0), target(2, 630.0, 702.0, 1, 1, 0.5), 1),
        # question: T2, T5. fr [45, 120]: 82.5, 45 + 75 × 0.9; res [60, 1320]: 690, 1194.
        row(
            "question",
            2,
            target(2, 82.5, 112.5, 2, 0, 1.0),
            target(2, 690.0, 1194.0, 2, 0, 1.0),
            escalations=1,
        ),
        # no category: T4, nothing measured, both breached.
        row(
            None,
            1,
            target(0, None, None, 0, 1, 0.0),
            target(0, None, None, 0, 1, 0.0),
            extensions=2,
        ),
    ],
    "week": [
        # Week 47: T1, T2, T3. fr [90, 120, 140]: 120, p90 at rank 1.8: 120 + 20 × 0.8;
        # res [540, 720, 1320]: 720, 720 + 600 × 0.8; met T1, T2, breached T3: 2 of 3.
        row(
            "2025-W47",
            3,
            target(3, 120.0, 136.0, 3, 0, 1.0),
            target(3, 720.0, 1200.0, 2, 1, 0.6667),
            escalations=2,
        ),
        # Week 48 in Moscow: T4 (breached) and T5 (45 and 60, met).
        row(
            "2025-W48",
            2,
            target(1, 45.0, 45.0, 1, 1, 0.5),
            target(1, 60.0, 60.0, 1, 1, 0.5),
            extensions=2,
        ),
    ],
}


async def report(system: System, **params: str) -> Any:
    response = await system.clients["sla"].get(
        "/v1/reports/sla", params={**PERIOD, **params}, headers=staff(system)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def settled(system: System, group_by: str | None) -> list[dict[str, Any]]:
    """The report's rows once every event has been handled."""
    params = {"group_by": group_by} if group_by else {}
    expected = EXPECTED[group_by]

    async def rows() -> list[dict[str, Any]]:
        return list((await report(system, **params))["rows"])

    try:
        return await eventually(rows, lambda found: found == expected, timeout=30)
    except AssertionError:
        return await rows()  # for the comparison's diff


async def test_report_figures_on_a_hand_built_set_of_tickets(sla: System) -> None:
    await build_tickets(sla)
    for group_by in EXPECTED:
        assert await settled(sla, group_by) == EXPECTED[group_by]

    body = await report(sla)
    assert (body["from"], body["to"], body["group_by"]) == (PERIOD["from"], PERIOD["to"], None)
    by_channel = {r["group"]: r for r in (await report(sla, group_by="channel"))["rows"]}
    assert [(k, r["tickets"]) for k, r in by_channel.items()] == [
        ("email", 1),
        ("partner", 1),
        ("web", 3),
    ]
    assert by_channel["web"]["first_response"]["median_minutes"] == 90.0  # [45, 90, 140]
    assert await sla.runtime("sla").bus.parked("sla") == []  # no fact given up on
    # The complexity facts may still be on their way (a handler retried under load).
    by_complexity = await eventually(
        lambda: report(sla, group_by="complexity"),
        lambda body: (
            [(r["group"], r["tickets"]) for r in body["rows"]] == [("simple", 2), (None, 3)]
        ),
        timeout=30,
    )
    by_complexity = by_complexity["rows"]
    assert by_complexity[0]["resolution"]["met_share"] == 0.5  # T1 in time, T3 late

    # A period with no tickets: one overall row of zeros; grouped, no rows.
    empty = {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}
    [zero] = (await report(sla, **empty))["rows"]
    assert zero["tickets"] == 0 and zero["first_response"]["median_minutes"] is None
    assert (await report(sla, **empty, group_by="week"))["rows"] == []

    # CSV, by the Accept header or ?format=csv: the same figures.
    client, headers = sla.clients["sla"], staff(sla)
    by_accept = await client.get(
        "/v1/reports/sla",
        params={**PERIOD, "group_by": "category"},
        headers={**headers, "Accept": "text/csv"},
    )
    by_param = await client.get(
        "/v1/reports/sla",
        params={**PERIOD, "group_by": "category", "format": "csv"},
        headers=headers,
    )
    for response in (by_accept, by_param):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
    assert by_accept.text == by_param.text
    lines = list(csv.DictReader(io.StringIO(by_accept.text)))
    assert [line["category"] for line in lines] == ["bug", "question", ""]
    assert lines[0]["resolution_p90_minutes"] == "702.0"
    assert lines[0]["escalations"] == "1" and lines[0]["breaches"] == "1"
    assert lines[2]["first_response_median_minutes"] == ""
    overall = await client.get(
        "/v1/reports/sla", params={**PERIOD, "format": "csv"}, headers=headers
    )
    assert (
        overall.text.splitlines()[1] == ",5,4,105.0,134.0,4,1,0.8,4,630.0,1140.0,3,2,0.6,3,2,2,0,,"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-11-17T00:00:00", "to": "2025-12-01T00:00:00+03:00"}, "from"),
        ({"from": "2025-11-17T00:00:00+03:00", "to": "2025-12-01T00:00"}, "to"),
        ({"from": "2025-11-17T00:00:00+03:00", "to": "2025-02-30"}, "to"),
        ({"from": "last monday", "to": "2025-12-01T00:00:00+03:00"}, "from"),
        ({"to": "2025-12-01T00:00:00+03:00"}, "from"),
        ({"from": "2025-12-01T00:00:00+03:00", "to": "2025-11-17T00:00:00+03:00"}, "to"),
        ({"from": "2025-12-01T00:00:00+03:00", "to": "2025-12-01T00:00:00+03:00"}, "to"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}, "to"),
        ({"from": "0001-01-01T00:00:00+05:00", "to": "2025-01-01T00:00:00Z"}, "from"),
        ({**PERIOD, "group_by": "priority"}, "group_by"),
        ({**PERIOD, "format": "xml"}, "format"),
    ],
)
async def test_report_bad_input_names_the_field(
    sla: System, params: dict[str, str], field: str
) -> None:
    response = await sla.clients["sla"].get("/v1/reports/sla", params=params, headers=staff(sla))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert field in response.json()["detail"]


async def test_report_takes_plain_dates_as_days_of_the_desk(sla: System) -> None:
    """Clause 22's reports read by people: from=2025-11-17&to=2025-11-30 is those whole days in
    Moscow, and an unencoded +03:00 (a space once decoded) still means +03:00."""
    for params in (
        {"from": "2025-11-17", "to": "2025-11-30"},
        {"from": "2025-11-17T00:00:00 03:00", "to": "2025-12-01T00:00:00 03:00"},
    ):
        response = await sla.clients["sla"].get(
            "/v1/reports/sla", params=params, headers=staff(sla)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["from"], body["to"]) == (PERIOD["from"], PERIOD["to"])


async def test_report_is_for_staff_only(sla: System) -> None:
    client = sla.clients["sla"]
    assert (await client.get("/v1/reports/sla", params=PERIOD)).status_code == 401
    # A customer's ticket token is not a staff token: the sla service does not know it.
    customer = {"Authorization": f"Bearer {uuid.uuid4().hex}"}
    assert (await client.get("/v1/reports/sla", params=PERIOD, headers=customer)).status_code == 401
    partner = staff(sla, Role.partner)
    assert (await client.get("/v1/reports/sla", params=PERIOD, headers=partner)).status_code == 403
    for role in (Role.agent, Role.senior, Role.admin):
        response = await client.get("/v1/reports/sla", params=PERIOD, headers=staff(sla, role))
        assert response.status_code == 200


def gauges(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name.startswith("sviftdesk_sla_"):
            for sample in family.samples:
                label = sample.labels.get("target")
                values[f"{sample.name}{'/' + label if label else ''}"] = sample.value
    return values


async def test_ops_gauges_after_known_events(open_sla: System) -> None:
    system = open_sla
    now = datetime.now(UTC).replace(microsecond=0)
    # On an always-open desk a business minute is a wall minute:
    # A arrived 1441 min ago: first response (1440) breached just now, resolution (1620)
    #   due in 179 min; nobody has taken it — the oldest unclaimed ticket.
    # B arrived 1400 min ago: first response due in 40 min, within the next business hour.
    # C arrived 10 min ago and was claimed (received → open): open, not unclaimed.
    # D was resolved: not open.
    a = await Ticket.create(system, now - timedelta(minutes=1441))
    await Ticket.create(system, now - timedelta(minutes=1400))
    c = await Ticket.create(system, now - timedelta(minutes=10))
    d = await Ticket.create(system, now - timedelta(minutes=100))
    await clocks_started(system, 4)
    await c.move(TicketStatus.open, now - timedelta(minutes=5))
    await d.move(TicketStatus.resolved, now - timedelta(minutes=50))

    async def scrape() -> dict[str, float]:
        await system.apps["sla"].state.gauges.refresh()
        response = await system.clients["sla"].get("/metrics")
        return gauges(response.text)

    # A's breach fell due a minute before ``now``: "today" on the desk's clock unless Moscow's
    # midnight came in between (this test runs across 21:00 UTC once in a long while).
    moscow = ZoneInfo("Europe/Moscow")
    same_day = (now - timedelta(minutes=1)).astimezone(moscow).date() == now.astimezone(
        moscow
    ).date()
    values = await eventually(
        scrape,
        lambda v: (
            v.get("sviftdesk_sla_open_tickets") == 3
            and v.get("sviftdesk_sla_breaches_today/first_response") == (1 if same_day else 0)
        ),
        timeout=30,
    )
    assert values["sviftdesk_sla_due_within_business_hour"] == 1
    assert values["sviftdesk_sla_breaches_today/resolution"] == 0
    assert values["sviftdesk_sla_breaches_today/escalation_review"] == 0
    # 1441 minutes and however many whole minutes the test has taken since ``now``.
    waited = values["sviftdesk_sla_oldest_unclaimed_business_minutes"]
    assert 1441 <= waited <= 1441 + (datetime.now(UTC) - now).total_seconds() // 60

    # Once A is taken, B is the oldest unclaimed ticket: 1400 minutes.
    await a.move(TicketStatus.open, datetime.now(UTC))
    values = await eventually(
        scrape, lambda v: v["sviftdesk_sla_oldest_unclaimed_business_minutes"] < 1441
    )
    assert 1400 <= values["sviftdesk_sla_oldest_unclaimed_business_minutes"] < 1441
    assert values["sviftdesk_sla_open_tickets"] == 3
