"""Incidents (clause 23): one serious failure, many tickets, every customer told at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.escalation import repository
from services.escalation.domain.incidents import Status, check_open
from services.escalation.repository import Incident, IncidentUpdate, LinkedTicket
from shared.auth import Principal
from shared.contracts.events import (
    IncidentDeclared,
    IncidentResolved,
    IncidentTicketsLinked,
    IncidentUpdated,
)
from shared.errors import NotFoundError, UnprocessableError
from shared.unit_of_work import UnitOfWork


class IncidentNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No incident with this id.")


@dataclass(frozen=True)
class IncidentView:
    row: Incident
    tickets: list[LinkedTicket]
    updates: list[IncidentUpdate]

    @property
    def ticket_ids(self) -> list[uuid.UUID]:
        return [t.ticket_id for t in self.tickets]


async def view(uow: UnitOfWork, incident_id: uuid.UUID) -> IncidentView:
    row = await repository.get_incident(uow.session, incident_id)
    if row is None:
        raise IncidentNotFoundError()
    return IncidentView(
        row,
        await repository.linked_tickets(uow.session, incident_id),
        await repository.updates_of(uow.session, incident_id),
    )


async def listing(uow: UnitOfWork, status: Status | None, *, limit: int) -> list[IncidentView]:
    rows = await repository.list_incidents(uow.session, status, limit=limit)
    return [await view(uow, row.id) for row in rows]


@dataclass(frozen=True)
class PublicIncident:
    """What customers may read of an incident in progress: what they are mailed anyway."""

    row: Incident
    updates: list[IncidentUpdate]  # oldest first

    @property
    def latest(self) -> IncidentUpdate | None:
        return self.updates[-1] if self.updates else None


async def in_progress(
    uow: UnitOfWork, ticket_id: uuid.UUID | None, *, limit: int
) -> list[PublicIncident]:
    """The incidents in progress (of one ticket, if given), with the updates customers got."""
    rows = await repository.open_incidents(uow.session, ticket_id, limit=limit)
    return [PublicIncident(row, await repository.updates_of(uow.session, row.id)) for row in rows]


async def of_ticket(uow: UnitOfWork, ticket_id: uuid.UUID) -> list[repository.IncidentLink]:
    """The incidents a ticket is linked to, in the order it was linked: for its timeline."""
    return await repository.incidents_of_ticket(uow.session, ticket_id)


async def _known(uow: UnitOfWork, ticket_ids: Sequence[uuid.UUID]) -> None:
    if not ticket_ids:
        return
    known = await repository.known_tickets(uow.session, list(set(ticket_ids)))
    unknown = [str(t) for t in dict.fromkeys(ticket_ids) if t not in known]
    if unknown:
        reason = "unknown tickets: " + ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise UnprocessableError(
            f"ticket_ids: {reason}", errors=[{"field": "ticket_ids", "reason": reason}]
        )


async def _locked(uow: UnitOfWork, incident_id: uuid.UUID) -> Incident:
    row = await repository.get_incident(uow.session, incident_id, lock=True)
    if row is None:
        raise IncidentNotFoundError()
    check_open(Status(row.status))
    return row


async def declare(
    uow: UnitOfWork, by: Principal, *, title: str, summary: str, ticket_ids: Sequence[uuid.UUID]
) -> IncidentView:
    await _known(uow, ticket_ids)
    incident_id, now = uuid.uuid4(), datetime.now(UTC)
    await repository.insert_incident(
        uow.session,
        id=incident_id,
        title=title,
        summary=summary,
        declared_by=by.subject,
        declared_at=now,
    )
    linked = await repository.link_tickets(uow.session, incident_id, ticket_ids, now)
    await uow.stage(
        IncidentDeclared(
            incident_id=incident_id,
            title=title,
            summary=summary,
            ticket_ids=linked,
            declared_by=by.subject,
            declared_at=now,
        ),
    )
    return await view(uow, incident_id)


async def link(
    uow: UnitOfWork, incident_id: uuid.UUID, ticket_ids: Sequence[uuid.UUID]
) -> tuple[IncidentView, list[uuid.UUID]]:
    """Link more tickets as they arrive; their customers hear the latest state at once."""
    row = await _locked(uow, incident_id)
    await _known(uow, ticket_ids)
    now = datetime.now(UTC)
    linked = await repository.link_tickets(uow.session, incident_id, ticket_ids, now)
    if linked:
        updates = await repository.updates_of(uow.session, incident_id)
        await uow.stage(
            IncidentTicketsLinked(
                incident_id=incident_id,
                title=row.title,
                latest=updates[-1].text if updates else row.summary,
                ticket_ids=linked,
                linked_at=now,
            ),
        )
    return await view(uow, incident_id), linked


@dataclass(frozen=True)
class PostedUpdate:
    id: uuid.UUID
    text: str
    posted_by: uuid.UUID
    posted_at: datetime
    ticket_ids: list[uuid.UUID]


async def post_update(
    uow: UnitOfWork, incident_id: uuid.UUID, by: Principal, *, text: str
) -> PostedUpdate:
    """One update, one event naming every linked ticket: the notifier tells them all."""
    row = await _locked(uow, incident_id)
    update_id, now = uuid.uuid4(), datetime.now(UTC)
    await repository.add_update(
        uow.session,
        id=update_id,
        incident_id=incident_id,
        text=text,
        posted_by=by.subject,
        posted_at=now,
    )
    ticket_ids = await repository.linked_ticket_ids(uow.session, incident_id)
    await uow.stage(
        IncidentUpdated(
            incident_id=incident_id,
            update_id=update_id,
            title=row.title,
            text=text,
            ticket_ids=ticket_ids,
            posted_at=now,
        ),
    )
    return PostedUpdate(update_id, text, by.subject, now, ticket_ids)


async def resolve(
    uow: UnitOfWork, incident_id: uuid.UUID, by: Principal, *, summary: str
) -> IncidentView:
    """Over: intake resolves every linked ticket with ``summary`` (incident.resolved)."""
    row = await _locked(uow, incident_id)
    now = datetime.now(UTC)
    if not await repository.mark_incident_resolved(
        uow.session, incident_id, resolved_by=by.subject, resolution=summary, at=now
    ):
        check_open(Status.resolved)
    await uow.stage(
        IncidentResolved(
            incident_id=incident_id,
            title=row.title,
            summary=summary,
            ticket_ids=await repository.linked_ticket_ids(uow.session, incident_id),
            resolved_at=now,
        ),
    )
    return await view(uow, incident_id)
