"""Records to API models."""

from __future__ import annotations

from services.escalation.api.models import (
    EscalationOut,
    ForwardOut,
    IncidentOut,
    IncidentUpdateOut,
    LinkedTicketOut,
    ReasonOut,
)
from services.escalation.domain.escalations import Status
from services.escalation.domain.incidents import Status as IncidentStatus
from services.escalation.escalations import EscalationView
from services.escalation.incidents import IncidentView
from services.escalation.repository import Forward
from shared.contracts.events import EscalationSource


def escalation_out(view: EscalationView) -> EscalationOut:
    row = view.row
    return EscalationOut(
        id=row.id,
        ticket_id=row.ticket_id,
        number=row.number,
        status=Status(row.status),
        source=EscalationSource(row.source),
        opened_at=row.opened_at,
        assignee_id=row.assignee_id,
        assigned_at=row.assigned_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        outcome=row.outcome,
        reasons=[
            ReasonOut(source=EscalationSource(r.source), reason=r.reason, added_at=r.added_at)
            for r in view.reasons
        ],
    )


def incident_out(view: IncidentView) -> IncidentOut:
    row = view.row
    return IncidentOut(
        id=row.id,
        title=row.title,
        summary=row.summary,
        status=IncidentStatus(row.status),
        declared_by=row.declared_by,
        declared_at=row.declared_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        ticket_ids=view.ticket_ids,
        tickets=[LinkedTicketOut(id=t.ticket_id, number=t.number) for t in view.tickets],
        updates=[
            IncidentUpdateOut(id=u.id, text=u.text, posted_by=u.posted_by, posted_at=u.posted_at)
            for u in view.updates
        ],
    )


def forward_out(forward: Forward) -> ForwardOut:
    return ForwardOut.model_validate(forward, from_attributes=True)
