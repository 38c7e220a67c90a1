"""The sla service's use cases on a bare SQLite unit of work (the fast tier, tests/fast.py):
intake's facts in, the clocks and the events staged out, with no bus and no HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.sla import repository
from services.sla.clocks import ClockNotFoundError, ClockNotReadyError, SlaClocks
from shared.contracts.events import SlaTarget, TicketStatus
from shared.errors import ConflictError
from shared.policy.book import read_book
from shared.unit_of_work import UnitOfWork
from tests import events
from tests.fast import BareService, staged
from tests.support import ALWAYS_OPEN

pytestmark = pytest.mark.fast

AGENT = uuid.uuid4()


@pytest.fixture
def clocks(tmp_path: Path) -> SlaClocks:
    """Open around the clock: a business minute is a wall minute, and a day 540 of them."""
    policy = tmp_path / "policy.toml"
    policy.write_text(ALWAYS_OPEN)
    return SlaClocks(read_book(policy))


async def filed(clocks: SlaClocks, uow: UnitOfWork, *, ago: timedelta) -> uuid.UUID:
    created = events.ticket_created(received_at=datetime.now(UTC) - ago)
    await clocks.ticket_created(uow, created)
    return created.ticket_id


async def test_a_new_ticket_gets_its_targets_once(clocks: SlaClocks, unit: UnitOfWork) -> None:
    received_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    created = events.ticket_created(received_at=received_at)
    await clocks.ticket_created(unit, created)
    await clocks.ticket_created(unit, created)  # redelivered
    [targets] = await staged(unit, "sla.targets_set")
    assert targets.subject == str(created.ticket_id)
    assert targets.correlationid == unit.correlation_id
    due_at = datetime.fromisoformat(targets.data["first_response_due_at"])
    assert due_at == received_at + timedelta(minutes=1440)


async def test_a_fact_about_a_ticket_not_yet_seen_is_retried(
    clocks: SlaClocks, unit: UnitOfWork
) -> None:
    with pytest.raises(ClockNotReadyError):
        await clocks.status_changed(unit, events.status_changed(uuid.uuid4(), TicketStatus.open))


async def test_a_breach_is_staged_once(clocks: SlaClocks, bare: BareService) -> None:
    async with bare.unit() as uow:
        ticket_id = await filed(clocks, uow, ago=timedelta(days=2))
    for _ in range(2):  # the scanner's rounds
        async with bare.unit() as uow:
            await clocks.scan(uow, datetime.now(UTC), lock=False)
    breaches = await bare.staged("sla.breached")
    assert {b.subject for b in breaches} == {str(ticket_id)}
    # Two days on, both targets are missed (resolution: 3 days of 540 minutes): each once.
    assert sorted(b.data["target"] for b in breaches) == [
        SlaTarget.first_response,
        SlaTarget.resolution,
    ]
    assert len(await bare.staged("sla.warning")) == 2


async def test_waiting_on_the_customer_pauses_the_clock(
    clocks: SlaClocks, unit: UnitOfWork
) -> None:
    ticket_id = await filed(clocks, unit, ago=timedelta(days=2))
    waiting_since = datetime.now(UTC) - timedelta(days=2) + timedelta(minutes=60)
    await clocks.status_changed(
        unit,
        events.status_changed(ticket_id, TicketStatus.waiting_customer, changed_at=waiting_since),
    )
    await clocks.scan(unit, datetime.now(UTC), lock=False)
    assert await staged(unit, "sla.breached") == []
    record = await repository.get_clock(unit.session, ticket_id)
    assert record is not None and record.clock.paused_at == waiting_since


async def test_the_first_reply_meets_the_first_response(
    clocks: SlaClocks, unit: UnitOfWork
) -> None:
    ticket_id = await filed(clocks, unit, ago=timedelta(minutes=90))
    await clocks.message_added(unit, events.message_added(ticket_id))
    await clocks.message_added(unit, events.message_added(ticket_id))  # a second reply
    [met] = await staged(unit, "sla.met")
    assert met.data["target"] == SlaTarget.first_response and met.data["within_target"]
    assert 89 <= met.data["business_minutes"] <= 91


async def test_an_extension_moves_the_resolution_and_is_told(
    clocks: SlaClocks, unit: UnitOfWork
) -> None:
    ticket_id = await filed(clocks, unit, ago=timedelta(minutes=5))
    [targets] = await staged(unit, "sla.targets_set")
    number = targets.data["number"]
    record = await clocks.extend(unit, number, business_days=2, reason="Ждём банк", agent_id=AGENT)
    assert record.ticket_id == ticket_id and record.extension_minutes == 2 * 540
    [extended] = await staged(unit, "sla.extended")
    before = datetime.fromisoformat(targets.data["resolution_due_at"])
    after = datetime.fromisoformat(extended.data["resolution_due_at"])
    assert after - before == timedelta(minutes=2 * 540)
    assert extended.data["reason"] == "Ждём банк"
    _, extensions = await clocks.history(unit, str(ticket_id))
    assert [(e.business_days, e.reason) for e in extensions] == [(2, "Ждём банк")]


async def test_a_finished_ticket_is_not_extended(clocks: SlaClocks, unit: UnitOfWork) -> None:
    ticket_id = await filed(clocks, unit, ago=timedelta(minutes=5))
    await clocks.status_changed(unit, events.status_changed(ticket_id, TicketStatus.resolved))
    with pytest.raises(ConflictError, match="reopen it first"):
        await clocks.extend(unit, str(ticket_id), business_days=1, reason="r", agent_id=AGENT)
    assert await staged(unit, "sla.extended") == []
    with pytest.raises(ClockNotFoundError):
        await clocks.extend(unit, "SC-999999", business_days=1, reason="r", agent_id=AGENT)
