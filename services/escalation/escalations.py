"""The senior queue's use cases (clauses 11, 14, 18): open or add to a ticket's escalation,
claim one, close it with the outcome the customer is told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from services.escalation import repository
from services.escalation.domain.escalations import Status, can_claim, check_close
from services.escalation.repository import Escalation, Reason
from shared.auth import Principal
from shared.contracts.events import (
    EscalationAssigned,
    EscalationClosed,
    EscalationOpened,
    EscalationSource,
)
from shared.errors import ConflictError, NotFoundError
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class EscalationNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No escalation with this id.")


class ClaimInProgressError(ConflictError):
    def __init__(self) -> None:
        super().__init__("Another senior specialist is acting on this escalation; try again.")


@dataclass(frozen=True)
class EscalationView:
    row: Escalation
    reasons: list[Reason]


async def view(uow: UnitOfWork, escalation_id: uuid.UUID) -> EscalationView:
    row = await repository.get_escalation(uow.session, escalation_id)
    if row is None:
        raise EscalationNotFoundError()
    reasons = await repository.reasons_of(uow.session, [row.id])
    return EscalationView(row, reasons[row.id])


async def queue(
    uow: UnitOfWork,
    statuses: list[Status],
    *,
    ticket_id: uuid.UUID | None,
    limit: int,
    source: EscalationSource | None = None,
) -> list[EscalationView]:
    rows = await repository.list_escalations(
        uow.session, statuses, ticket_id=ticket_id, limit=limit, source=source
    )
    reasons = await repository.reasons_of(uow.session, (row.id for row in rows))
    return [EscalationView(row, reasons[row.id]) for row in rows]


async def of_ticket(uow: UnitOfWork, ticket_id: uuid.UUID) -> list[EscalationView]:
    """Every escalation of a ticket, open or closed, oldest first: for its timeline."""
    return await queue(uow, list(Status), ticket_id=ticket_id, limit=500)


async def open_or_add(
    uow: UnitOfWork,
    *,
    ticket_id: uuid.UUID,
    number: str,
    source: EscalationSource,
    reason: str,
    at: datetime,
    event_id: str | None,
) -> uuid.UUID:
    """A ticket has at most one escalation that is not closed: a second request, breach or
    complaint is recorded on it instead of opening another."""
    session = uow.session
    # Two tries: the open one we collided with may close between our insert and our read.
    for _ in range(2):
        escalation_id = uuid.uuid4()
        opened = await repository.insert_open_escalation(
            session,
            id=escalation_id,
            ticket_id=ticket_id,
            number=number,
            source=source,
            opened_at=at,
        )
        if not opened:
            existing = await repository.open_escalation_of(session, ticket_id)
            if existing is None:
                continue
            escalation_id = existing.id
        await repository.add_reason(
            session,
            escalation_id=escalation_id,
            source=source,
            reason=reason,
            event_id=event_id,
            added_at=at,
        )
        if opened:
            await uow.stage(
                EscalationOpened(
                    escalation_id=escalation_id,
                    ticket_id=ticket_id,
                    number=number,
                    source=source,
                    reason=reason,
                    opened_at=at,
                ),
                subject=ticket_id,
            )
        log.info(
            "escalation.opened" if opened else "escalation.reason_added",
            escalation_id=str(escalation_id),
            source=source.value,
        )
        return escalation_id
    raise RuntimeError(f"ticket {ticket_id}: no escalation to open or add to; retried later")


async def claim(uow: UnitOfWork, escalation_id: uuid.UUID, by: Principal) -> EscalationView:
    """Take one escalation for review. Of two seniors claiming at once exactly one wins; a
    retry by the winner is answered as a success."""
    session, skip_locked = uow.session, uow.locks_rows
    row = await repository.get_escalation(
        session, escalation_id, lock=skip_locked, skip_locked=skip_locked
    )
    if row is None:
        if skip_locked and await repository.get_escalation(session, escalation_id) is not None:
            raise ClaimInProgressError()
        raise EscalationNotFoundError()
    if can_claim(Status(row.status), row.assignee_id, by):
        await _assign(uow, row, by)
    return await view(uow, escalation_id)


async def claim_next(uow: UnitOfWork, by: Principal) -> EscalationView | None:
    """Take the escalation that has waited longest, or None when the queue is empty."""
    for _ in range(5):
        row = await repository.next_open_escalation(uow.session, skip_locked=uow.locks_rows)
        if row is None:
            return None
        if await _assign(uow, row, by):
            return await view(uow, row.id)
    raise ClaimInProgressError()


async def _assign(uow: UnitOfWork, row: Escalation, by: Principal) -> bool:
    now = datetime.now(UTC)
    if not await repository.mark_assigned(uow.session, row.id, assignee_id=by.subject, at=now):
        # Someone else's claim committed between our read and our write.
        fresh = await repository.get_escalation(uow.session, row.id)
        assert fresh is not None
        can_claim(Status(fresh.status), fresh.assignee_id, by)
        return False
    await uow.stage(
        EscalationAssigned(
            escalation_id=row.id,
            ticket_id=row.ticket_id,
            number=row.number,
            assignee_id=by.subject,
            opened_at=row.opened_at,
            assigned_at=now,
        ),
        subject=row.ticket_id,
    )
    return True


async def close(
    uow: UnitOfWork, escalation_id: uuid.UUID, by: Principal, *, outcome: str
) -> EscalationView:
    session = uow.session
    row = await repository.get_escalation(session, escalation_id, lock=True)
    if row is None:
        raise EscalationNotFoundError()
    check_close(Status(row.status), row.assignee_id, by)
    now = datetime.now(UTC)
    if not await repository.mark_closed(
        session, escalation_id, closed_by=by.subject, outcome=outcome, at=now
    ):
        raise ConflictError("This escalation was closed a moment ago.")
    reasons = (await repository.reasons_of(session, [escalation_id]))[escalation_id]
    sources = list(dict.fromkeys(EscalationSource(r.source) for r in reasons))
    await uow.stage(
        EscalationClosed(
            escalation_id=escalation_id,
            ticket_id=row.ticket_id,
            number=row.number,
            outcome=outcome,
            sources=sources,
            closed_by=by.subject,
            opened_at=row.opened_at,
            closed_at=now,
        ),
        subject=row.ticket_id,
    )
    return await view(uow, escalation_id)
