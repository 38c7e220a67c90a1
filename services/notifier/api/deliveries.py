"""The delivery log: what was sent about a ticket, when, and with what result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from services.notifier import delivery_log
from shared.auth import AdminDep, AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import ReadUnitDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"], responses=PROBLEM_RESPONSES)


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_type: str
    channel: str
    recipient: str
    template: str
    status: str
    attempts: int
    last_error: str | None
    created_at: AwareDatetime
    sent_at: AwareDatetime | None


@router.get("", summary="What was sent about a ticket (agents)")
async def list_deliveries(
    ticket_id: Annotated[uuid.UUID, Query(description="the ticket's id")],
    _agent: AgentDep,
    uow: ReadUnitDep,
) -> list[DeliveryOut]:
    records = await delivery_log.of_ticket(uow, ticket_id)
    return [DeliveryOut.model_validate(record, from_attributes=True) for record in records]


@router.get("/parked", summary="Deliveries given up on after their last try (admins)")
async def parked(_admin: AdminDep, uow: ReadUnitDep) -> list[DeliveryOut]:
    records = await delivery_log.parked(uow)
    return [DeliveryOut.model_validate(record, from_attributes=True) for record in records]


@router.post("/{delivery_id}/retry", status_code=202, summary="Put a parked delivery back in line")
async def retry(delivery_id: uuid.UUID, _admin: AdminDep, uow: UnitOfWorkDep) -> dict[str, str]:
    await delivery_log.retry(uow, delivery_id)
    return {"status": "queued"}
