"""Tickets: the web form, partners and the customer's own view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.intake import service
from services.intake.api.models import TicketCreate, TicketCreatedOut, TicketOut
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=PROBLEM_RESPONSES)
bearer = HTTPBearer(auto_error=False, description="a ticket's access token")


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@router.post("", status_code=201, summary="File a request")
async def create_ticket(
    body: TicketCreate,
    runtime: RuntimeDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="a retry with the same key returns the same ticket",
        ),
    ] = None,
) -> TicketCreatedOut:
    return await service.create_ticket(
        runtime, body, idempotency_key=idempotency_key, scope="public"
    )


@router.get("/{ticket_id}", summary="Read a ticket with its access token")
async def read_ticket(ticket_id: str, runtime: RuntimeDep, credentials: BearerDep) -> TicketOut:
    token = credentials.credentials if credentials else None
    return await service.read_ticket(runtime, ticket_id, token)
