"""The senior queue's use cases on a bare SQLite unit of work (the fast tier, tests/fast.py):
handlers and use cases called directly, the events they stage read from the outbox."""

from __future__ import annotations

import uuid

import pytest

from services.escalation import escalations, handlers
from services.escalation.domain.escalations import (
    ClaimedByAnotherError,
    NotClaimedError,
    Status,
)
from shared.auth import Principal, Role
from shared.contracts.events import Category, EscalationSource, SlaTarget
from shared.unit_of_work import UnitOfWork
from tests import events
from tests.fast import BareService

pytestmark = pytest.mark.fast


def senior() -> Principal:
    return Principal(uuid.uuid4(), Role.senior)


async def known_ticket(bare: BareService, **overrides: object) -> uuid.UUID:
    created = events.ticket_created(**overrides)
    async with bare.handling(created) as uow:
        await handlers.on_ticket_created(uow, created)
    return created.ticket_id


async def test_a_complaint_is_put_before_a_senior(bare: BareService) -> None:
    ticket_id = await known_ticket(bare, category=Category.complaint, subject="Грубый ответ")
    [opened] = await bare.staged("escalation.opened")
    assert opened.subject == str(ticket_id)
    assert opened.data["source"] == EscalationSource.complaint
    assert opened.data["reason"] == "Грубый ответ"


async def test_a_plain_ticket_is_only_noted(bare: BareService) -> None:
    await known_ticket(bare)
    assert await bare.staged() == []


async def test_a_second_request_is_added_to_the_open_escalation(bare: BareService) -> None:
    ticket_id = await known_ticket(bare)
    requested = events.escalation_requested(ticket_id, reason="Прошу разобраться")
    async with bare.handling(requested, correlation_id="customer-asked") as uow:
        await handlers.on_escalation_requested(uow, requested)
    breached = events.sla_breached(ticket_id, target=SlaTarget.resolution)
    async with bare.handling(breached) as uow:
        await handlers.on_sla_breached(uow, breached)
    [opened] = await bare.staged("escalation.opened")
    assert opened.correlationid == "customer-asked"  # the request's, which opened it
    async with bare.unit() as uow:
        [view] = await escalations.of_ticket(uow, ticket_id)
    assert view.row.id == uuid.UUID(opened.data["escalation_id"])
    assert [r.source for r in view.reasons] == [
        EscalationSource.customer_request,
        EscalationSource.sla_breach,
    ]


async def test_a_category_for_a_ticket_not_yet_seen_is_retried(unit: UnitOfWork) -> None:
    with pytest.raises(handlers.TicketNotKnownYetError):
        await handlers.on_category_set(unit, events.category_set(uuid.uuid4()))


async def test_a_ticket_found_to_be_a_complaint_is_reviewed(bare: BareService) -> None:
    ticket_id = await known_ticket(bare)
    changed = events.category_set(ticket_id, subject="Списали дважды")
    async with bare.handling(changed) as uow:
        await handlers.on_category_set(uow, changed)
    [opened] = await bare.staged("escalation.opened")
    assert opened.data["source"] == EscalationSource.complaint
    assert opened.data["reason"] == "Списали дважды"


async def test_claimed_by_one_senior_closed_by_the_same_with_its_outcome(
    bare: BareService,
) -> None:
    ticket_id = await known_ticket(bare, category=Category.complaint)
    [opened] = await bare.staged("escalation.opened")
    escalation_id = uuid.UUID(opened.data["escalation_id"])
    reviewer, other = senior(), senior()
    async with bare.unit() as uow:
        claimed = await escalations.claim(uow, escalation_id, reviewer)
        assert claimed.row.status == Status.assigned
        assert (await escalations.claim(uow, escalation_id, reviewer)).row.id == escalation_id
    async with bare.unit() as uow:
        with pytest.raises(ClaimedByAnotherError):
            await escalations.claim(uow, escalation_id, other)
        with pytest.raises(ClaimedByAnotherError):
            await escalations.close(uow, escalation_id, other, outcome="x")
    async with bare.unit() as uow:
        closed = await escalations.close(uow, escalation_id, reviewer, outcome="Извинились")
    assert closed.row.status == Status.closed
    [assigned] = await bare.staged("escalation.assigned")  # the retry staged nothing
    assert assigned.data["assignee_id"] == str(reviewer.subject)
    [done] = await bare.staged("escalation.closed")
    assert done.subject == str(ticket_id)
    assert done.data["outcome"] == "Извинились"
    assert done.data["sources"] == [EscalationSource.complaint]


async def test_an_unclaimed_escalation_is_not_closed_by_a_senior(bare: BareService) -> None:
    await known_ticket(bare, category=Category.complaint)
    [opened] = await bare.staged("escalation.opened")
    async with bare.unit() as uow:
        with pytest.raises(NotClaimedError):
            await escalations.close(
                uow, uuid.UUID(opened.data["escalation_id"]), senior(), outcome="x"
            )
    assert await bare.staged("escalation.closed") == []


async def test_the_queue_hands_out_the_longest_waiting(bare: BareService) -> None:
    first = await known_ticket(bare, category=Category.complaint)
    await known_ticket(bare, category=Category.complaint)
    async with bare.unit() as uow:
        taken = await escalations.claim_next(uow, senior())
    assert taken is not None and taken.row.ticket_id == first
    assert len(await bare.staged("escalation.assigned")) == 1
    assert len(await bare.staged("escalation.opened")) == 2
