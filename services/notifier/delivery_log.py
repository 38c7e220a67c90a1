"""The delivery log: what was sent about a ticket, what was given up on, and putting a parked
delivery back in line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.notifier import repository
from services.notifier.repository import DeliveryRecord
from shared.db import wake_after_commit
from shared.errors import NotFoundError
from shared.unit_of_work import UnitOfWork


async def of_ticket(uow: UnitOfWork, ticket_id: uuid.UUID) -> list[DeliveryRecord]:
    return await repository.deliveries_for_ticket(uow.session, ticket_id)


async def parked(uow: UnitOfWork) -> list[DeliveryRecord]:
    return await repository.parked_deliveries(uow.session)


async def retry(uow: UnitOfWork, delivery_id: uuid.UUID) -> None:
    if not await repository.retry_delivery(uow.session, delivery_id, datetime.now(UTC)):
        raise NotFoundError("No parked delivery with this id.")
    # The sender looks again once this is committed, not before (it would find nothing).
    wake_after_commit(uow.session, "deliveries")
