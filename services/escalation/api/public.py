"""What anyone may read without signing in: the incidents in progress (clause 23), for the
customers' status page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.escalation import incidents
from services.escalation.api.models import PublicIncidentOut, PublicIncidentUpdateOut
from services.escalation.domain.incidents import Status
from shared.contracts.api import PROBLEM_RESPONSES
from shared.runtime import ReadUnitDep

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=PROBLEM_RESPONSES)


# Before the incidents router: its /{incident_id} would take this path otherwise.
@router.get("/in-progress", summary="Incidents in progress, newest first (anyone)")
async def in_progress(
    uow: ReadUnitDep, limit: Annotated[int, Query(ge=1, le=20)] = 10
) -> list[PublicIncidentOut]:
    """Only what customers are told anyway: the title, the summary and the updates."""
    views = await incidents.listing(uow, Status.open, limit=limit)
    return [
        PublicIncidentOut(
            id=view.row.id,
            title=view.row.title,
            summary=view.row.summary,
            declared_at=view.row.declared_at,
            updates=[
                PublicIncidentUpdateOut(text=u.text, posted_at=u.posted_at) for u in view.updates
            ],
        )
        for view in views
    ]
