"""The unit of work's staging: events carry the unit's correlation id, or, in a batch that
serves several requests (group commit), each its own request's, in one outbox insert."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CredentialRevoked
from shared.outbox import Outbox, outbox_table
from shared.unit_of_work import ReadOnlyUnitError, Staged, UnitOfWork


class RecordingOutbox(Outbox):
    """Keeps what each ``add`` call was given: one call is one insert."""

    def __init__(self) -> None:
        super().__init__(outbox_table(MetaData()))
        self.inserts: list[tuple[CloudEvent, ...]] = []

    async def add(self, session: AsyncSession, *events: CloudEvent) -> None:
        self.inserts.append(events)


def revoked() -> CredentialRevoked:
    return CredentialRevoked(credential_id=uuid.uuid4(), revoked_at=datetime.now(UTC))


def unit(outbox: Outbox, correlation_id: str | None, *, writable: bool = True) -> UnitOfWork:
    session = cast(Any, None)  # staging never reaches the session past the outbox
    return UnitOfWork(session, outbox, "svift:test", correlation_id, writable=writable)


async def test_an_event_carries_the_units_correlation_id_unless_given_its_own() -> None:
    outbox = RecordingOutbox()
    uow = unit(outbox, "request-1")
    await uow.stage(revoked(), subject="a")
    await uow.stage(revoked(), subject="b", correlation_id="request-2")
    assert [event.correlationid for (event,) in outbox.inserts] == ["request-1", "request-2"]
    assert [event.subject for (event,) in outbox.inserts] == ["a", "b"]


async def test_a_batch_stages_in_one_insert_each_with_its_own_request() -> None:
    outbox = RecordingOutbox()
    batch = unit(outbox, None)
    await batch.stage_many([Staged(revoked(), "a", "request-1"), Staged(revoked(), "b", "r-2")])
    (insert,) = outbox.inserts
    assert [(e.subject, e.correlationid) for e in insert] == [("a", "request-1"), ("b", "r-2")]


async def test_a_reading_unit_stages_nothing() -> None:
    outbox = RecordingOutbox()
    with pytest.raises(ReadOnlyUnitError):
        await unit(outbox, "request-1", writable=False).stage(revoked())
    assert outbox.inserts == []
