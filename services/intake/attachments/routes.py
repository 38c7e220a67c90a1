"""Attachments over HTTP: a ticket's file, downloaded. (Files come with a new ticket or a
message: ``files_.read_form`` in their routes.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from services.intake.access import CallerDep
from services.intake.attachments import use_cases as files_
from services.intake.conversation import use_cases as conversation
from services.intake.domain.tickets import content_disposition
from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.tickets.routes import TicketRef
from shared.runtime import ReadUnitDep, RuntimeDep, ServiceRuntime

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], responses=INTAKE_PROBLEMS)


@router.get(
    "/{ticket_id}/attachments/{attachment_id}",
    summary="Download an attachment",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
async def download_attachment(
    ticket_id: TicketRef,
    attachment_id: uuid.UUID,
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
) -> Response:
    """The ticket's customer (its access token), staff, and a partner that may read the
    ticket; anyone else 404. Always a download (never shown inline), read in chunks."""
    found = await conversation.read_attachment(uow, ticket_id, attachment_id, caller)
    return StreamingResponse(
        _chunks(runtime, found.id),
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(found.size),
            "Content-Disposition": content_disposition(found.filename),
            "X-Content-Type-Options": "nosniff",
            "X-Attachment-Content-Type": found.content_type,
        },
    )


async def _chunks(runtime: ServiceRuntime, attachment_id: uuid.UUID) -> AsyncIterator[bytes]:
    # Sent after the route's unit has closed: one short reading unit a chunk, so that no
    # session waits on a slow client.
    seq = 0
    while True:
        async with runtime.reading_unit() as uow:
            data = await files_.chunk(uow, attachment_id, seq)
        if data is None:
            return
        yield data
        seq += 1
