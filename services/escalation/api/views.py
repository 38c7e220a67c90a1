"""Rows to API models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from services.escalation.api.models import (
    EscalationOut,
    ForwardOut,
    IncidentOut,
    IncidentUpdateOut,
    ReasonOut,
)
from services.escalation.escalations import EscalationView
from services.escalation.incidents import IncidentView


def escalation_out(view: EscalationView) -> EscalationOut:
    row = view.row
    return EscalationOut(
        id=row.id,
        ticket_id=row.ticket_id,
        number=row.number,
        status=row.status,
        source=row.source,
        opened_at=row.opened_at,
        assignee_id=row.assignee_id,
        assigned_at=row.assigned_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        outcome=row.outcome,
        reasons=[
            ReasonOut(source=r.source, reason=r.reason, added_at=r.added_at) for r in view.reasons
        ],
    )


def incident_out(view: IncidentView) -> IncidentOut:
    row = view.row
    return IncidentOut(
        id=row.id,
        title=row.title,
        summary=row.summary,
        status=row.status,
        declared_by=row.declared_by,
        declared_at=row.declared_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        ticket_ids=view.ticket_ids,
        updates=[
            IncidentUpdateOut(id=u.id, text=u.text, posted_by=u.posted_by, posted_at=u.posted_at)
            for u in view.updates
        ],
    )


def forward_out(row: Row[Any]) -> ForwardOut:
    return ForwardOut.model_validate(row._mapping, from_attributes=False)
