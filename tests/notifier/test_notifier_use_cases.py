"""The notifier's handlers on a bare SQLite unit of work (the fast tier, tests/fast.py): what
each event records to send, and what it stages for staff, with no sender, bus or HTTP."""

from __future__ import annotations

import uuid

import pytest

from services.notifier import handlers, repository
from services.notifier.repository import DeliveryRecord
from shared.contracts.events import (
    Actor,
    DevelopmentFixReleased,
    EventPayload,
    StaffNoticeKind,
    TicketStatus,
)
from shared.inbox import HandlersByType
from shared.policy.book import read_book
from tests import events
from tests.fast import BareService

pytestmark = pytest.mark.fast


@pytest.fixture
def on() -> HandlersByType:
    """The notifier's handlers by payload type, on the default policy."""
    return handlers.make_handlers(read_book(None))


async def handle(bare: BareService, on: HandlersByType, payload: EventPayload) -> None:
    """As the inbox hands an event to its handler: in a unit of its own, committed."""
    async with bare.handling(payload) as uow:
        await on[type(payload)](uow, payload)


async def deliveries(bare: BareService, ticket_id: uuid.UUID) -> list[DeliveryRecord]:
    async with bare.unit() as uow:
        return await repository.deliveries_for_ticket(uow.session, ticket_id)


async def filed(bare: BareService, on: HandlersByType) -> uuid.UUID:
    created = events.ticket_created()
    await handle(bare, on, created)
    return created.ticket_id


async def test_a_new_ticket_gets_one_receipt(bare: BareService, on: HandlersByType) -> None:
    created = events.ticket_created()
    redelivered = events.envelope(created)
    for _ in range(2):  # the same event twice: one mail
        async with bare.unit(handling=redelivered) as uow:
            await on[type(created)](uow, created)
    [receipt] = await deliveries(bare, created.ticket_id)
    assert (receipt.template, receipt.recipient) == ("receipt", "ivan@example.com")
    assert receipt.context["number"] == created.number


async def test_a_stage_is_told_but_the_resolution_waits_for_the_report(
    bare: BareService, on: HandlersByType
) -> None:
    ticket_id = await filed(bare, on)
    await handle(bare, on, events.status_changed(ticket_id, TicketStatus.in_progress))
    await handle(bare, on, events.status_changed(ticket_id, TicketStatus.resolved))
    templates = [d.template for d in await deliveries(bare, ticket_id)]
    assert templates == ["receipt", "status_changed"]


async def test_a_stage_caused_by_a_released_fix_is_left_to_the_fix_notice(
    bare: BareService, on: HandlersByType
) -> None:
    ticket_id = await filed(bare, on)
    cause = DevelopmentFixReleased.event_type
    moved = events.status_changed(ticket_id, TicketStatus.in_progress, cause=cause)
    await handle(bare, on, moved)
    assert [d.template for d in await deliveries(bare, ticket_id)] == ["receipt"]


async def test_only_an_agents_public_reply_is_mailed(bare: BareService, on: HandlersByType) -> None:
    ticket_id = await filed(bare, on)
    await handle(bare, on, events.message_added(ticket_id, internal=True, body="заметка"))
    await handle(bare, on, events.message_added(ticket_id, author=Actor.customer))
    await handle(bare, on, events.message_added(ticket_id, body="Здравствуйте! Готово."))
    replies = [d for d in await deliveries(bare, ticket_id) if d.template == "agent_reply"]
    assert [d.context["body"] for d in replies] == ["Здравствуйте! Готово."]


async def test_an_erased_customer_is_told_nothing_more(
    bare: BareService, on: HandlersByType
) -> None:
    ticket_id = await filed(bare, on)
    await handle(bare, on, events.customer_erased(ticket_id))
    await handle(bare, on, events.status_changed(ticket_id, TicketStatus.in_progress))
    await handle(bare, on, events.message_added(ticket_id))
    assert [d.template for d in await deliveries(bare, ticket_id) if d.status == "pending"] == []


async def test_the_agent_holding_a_ticket_hears_of_a_nearing_target(
    bare: BareService, on: HandlersByType
) -> None:
    agent = uuid.uuid4()
    await handle(bare, on, events.staff_registered(agent, email="maria@sviftcommunity.ru"))
    ticket_id = await filed(bare, on)
    await handle(bare, on, events.ticket_assigned(ticket_id, agent))
    await handle(bare, on, events.sla_warning(ticket_id))
    [notice] = await bare.staged("staff.notified")
    assert notice.subject == str(ticket_id)
    assert notice.data["kind"] == StaffNoticeKind.sla_warning
    assert notice.data["staff_id"] == str(agent)
    mails = [d for d in await deliveries(bare, ticket_id) if d.template != "receipt"]
    assert [d.recipient for d in mails] == ["maria@sviftcommunity.ru"]
    assert notice.data["by_mail"]  # what a member is told by, unless they chose otherwise


async def test_news_of_a_ticket_not_yet_seen_is_retried(
    bare: BareService, on: HandlersByType
) -> None:
    with pytest.raises(handlers.ContactNotKnownYetError):
        await handle(bare, on, events.escalation_opened(uuid.uuid4()))
    assert await bare.staged() == []
