"""The delivery log: what was sent about a ticket, when, and with what result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel

from services.notifier import repository
from shared.auth import AdminDep, AgentDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.errors import NotFoundError
from shared.runtime import RuntimeDep

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
    runtime: RuntimeDep,
    _agent: AgentDep,
) -> list[DeliveryOut]:
    async with runtime.db.sessions() as session:
        rows = await repository.deliveries_for_ticket(session, ticket_id)
    return [DeliveryOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/parked", summary="Deliveries given up on after their last try (admins)")
async def parked(runtime: RuntimeDep, _admin: AdminDep) -> list[DeliveryOut]:
    async with runtime.db.sessions() as session:
        rows = await repository.parked_deliveries(session)
    return [DeliveryOut.model_validate(row, from_attributes=True) for row in rows]


@router.post("/{delivery_id}/retry", status_code=202, summary="Put a parked delivery back in line")
async def retry(
    delivery_id: uuid.UUID, request: Request, runtime: RuntimeDep, _admin: AdminDep
) -> dict[str, str]:
    async with runtime.db.transaction() as session:
        if not await repository.retry_delivery(session, delivery_id, datetime.now(UTC)):
            raise NotFoundError("No parked delivery with this id.")
    request.app.state.sender.wake()
    return {"status": "queued"}
