"""Intake's ticket use cases on a bare SQLite unit of work (the fast tier, tests/fast.py):
filings in, the rows and the events staged out, with no bus, no HTTP and no group commit."""

from __future__ import annotations

import secrets
import uuid
from types import SimpleNamespace
from typing import cast

import pytest

from services.intake.domain.callers import Caller
from services.intake.tickets import queries
from services.intake.tickets.schemas import CustomerIn, TicketCreate
from services.intake.tickets.use_cases import (
    ChangedMeanwhileError,
    Filing,
    TicketNotFoundError,
    change_status,
    file_tickets,
    new_filing,
    read_ticket,
)
from shared.auth import Principal, Role, TokenSigner
from shared.contracts.events import Actor, Channel, Language, TicketStatus
from shared.logging import bind_correlation_id
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork
from tests.fast import staged

pytestmark = pytest.mark.fast

AGENT = Caller(Principal(uuid.uuid4(), Role.agent))


@pytest.fixture
def runtime() -> ServiceRuntime:
    """What filing reads of the runtime: the settings and the key signer, nothing of I/O."""
    signer = TokenSigner(secrets.token_hex(32).encode())
    return cast(ServiceRuntime, SimpleNamespace(settings=Settings(), signer=signer))


def filing(runtime: ServiceRuntime, email: str, *, request_id: str) -> Filing:
    request = TicketCreate(
        channel=Channel.web,
        customer=CustomerIn(email=email, name="Иван", language=Language.ru),
        subject="Не проходит оплата",
        body="Страница оплаты зависает после ввода карты",
    )
    with bind_correlation_id(request_id):
        return new_filing(runtime, request)


async def test_a_batch_stages_each_ticket_with_its_own_request_id(
    runtime: ServiceRuntime, unit: UnitOfWork
) -> None:
    first = filing(runtime, "ivan@example.com", request_id="request-a")
    second = filing(runtime, "Ivan@Example.com", request_id="request-b")
    answers = await file_tickets(unit, runtime, [first, second])

    created = await staged(unit, "ticket.created")
    assert [event.correlationid for event in created] == ["request-a", "request-b"]
    assert [event.subject for event in created] == [str(first.ticket_id), str(second.ticket_id)]
    # One customer by address, whatever its case; only the first of its tickets is "new".
    assert [event.data["customer"]["is_new"] for event in created] == [True, False]
    assert answers[0].number != answers[1].number
    # The customer's key is answered once and never travels in the event.
    assert answers[0].access_token == first.token
    assert all(first.token not in event.model_dump_json() for event in created)


async def test_a_move_from_a_stale_read_is_refused_and_stages_nothing(
    runtime: ServiceRuntime, unit: UnitOfWork
) -> None:
    new = filing(runtime, "anna@example.com", request_id="request-c")
    await file_tickets(unit, runtime, [new])
    read = await queries.get_ticket(unit.session, new.ticket_id)
    assert read is not None

    await change_status(
        unit, read, TicketStatus.in_progress, actor=Actor.agent, actor_id=None, at=new.received_at
    )
    with pytest.raises(ChangedMeanwhileError):
        # The same row, as another request read it before the first move.
        await change_status(
            unit, read, TicketStatus.resolved, actor=Actor.agent, actor_id=None, at=new.received_at
        )

    [moved] = await staged(unit, "ticket.status_changed")
    assert moved.data["from_status"] == read.status
    assert moved.data["to_status"] == TicketStatus.in_progress
    after = await queries.get_ticket(unit.session, new.ticket_id)
    assert after is not None and after.status is TicketStatus.in_progress


async def test_a_ticket_is_read_by_staff_and_its_key_alone(
    runtime: ServiceRuntime, unit: UnitOfWork
) -> None:
    new = filing(runtime, "oleg@example.com", request_id="request-d")
    await file_tickets(unit, runtime, [new])

    seen = await read_ticket(unit, str(new.ticket_id), AGENT)
    assert seen.status is TicketStatus.received
    assert (await read_ticket(unit, str(new.ticket_id), Caller(customer_token=new.token))).id == (
        new.ticket_id
    )
    other = filing(runtime, "someone@example.com", request_id="request-e")
    for stranger in (Caller(), Caller(customer_token=other.token)):
        with pytest.raises(TicketNotFoundError):
            await read_ticket(unit, str(new.ticket_id), stranger)
