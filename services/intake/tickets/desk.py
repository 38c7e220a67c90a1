"""Agents' work: the FIFO queue, claiming, moving tickets through their life, complexity."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.credentials import queries as credential_queries
from services.intake.domain import lifecycle
from services.intake.domain.callers import actor_of
from services.intake.domain.tickets import format_number
from services.intake.domain.timeline import TimelineKind
from services.intake.tickets import queries
from services.intake.tickets.queries import TicketChanges, TicketWithCustomer
from services.intake.tickets.schemas import (
    AssigneeIn,
    AssigneeOut,
    CategoryIn,
    CategoryOut,
    ComplexityIn,
    ComplexityOut,
    QueueItemOut,
    TicketOut,
    TransitionIn,
    TransitionOut,
)
from services.intake.tickets.use_cases import (
    TicketNotFoundError,
    Viewer,
    change_status,
    parse_ticket_id,
    record,
    ticket_view,
)
from shared.auth import Principal, Role
from shared.contracts.events import (
    EventPayload,
    PartnerRef,
    TicketAssigned,
    TicketCategorySet,
    TicketComplexitySet,
    TicketStatus,
)
from shared.errors import UnprocessableError
from shared.unit_of_work import UnitOfWork

FINISHED = [status.value for status in lifecycle.FINISHED]


async def announce_assignee(
    uow: UnitOfWork,
    row: TicketWithCustomer,
    assignee: uuid.UUID | None,
    *,
    previous: uuid.UUID | None,
    by: uuid.UUID,
    at: datetime,
) -> None:
    """Who holds the ticket now, for those who tell its holder of news (the notifier) and
    show it (the console)."""
    event = TicketAssigned(
        ticket_id=row.id,
        number=format_number(row.number),
        assignee_id=assignee,
        previous_assignee_id=previous,
        assigned_by=by,
        assigned_at=at,
    )
    await uow.stage(event, subject=row.id)


async def queue(uow: UnitOfWork, limit: int) -> list[QueueItemOut]:
    """Tickets nobody has claimed, strictly by arrival (clause 7): no priority, and a new
    customer's place is where their arrival puts it (clause 15)."""
    rows = await queries.queue(uow.session, FINISHED, limit)
    return [
        QueueItemOut(
            id=row.id,
            number=format_number(row.number),
            position=position,
            status=row.status,
            channel=row.channel,
            category=row.category,
            subject=row.subject,
            received_at=row.received_at,
            customer_is_new=row.customer_is_new,
        )
        for position, row in enumerate(rows, start=1)
    ]


async def claim_next(uow: UnitOfWork, agent: Principal) -> TicketOut | None:
    """Give the oldest unclaimed ticket to ``agent``; two agents never get the same one.
    None when the queue is empty."""
    now = datetime.now(UTC)
    session = uow.session
    claimed = await queries.claim_oldest(
        session, agent.subject, now, FINISHED, skip_locked=uow.locks_rows
    )
    if claimed is None:
        return None
    row = await queries.get_ticket(session, claimed)
    assert row is not None
    await announce_assignee(uow, row, agent.subject, previous=None, by=agent.subject, at=now)
    actor = actor_of(agent)
    await record(session, row.id, now, TimelineKind.claimed, actor, agent.subject, public=False)
    target = lifecycle.after_claim(TicketStatus(row.status))
    if target is not None:
        await change_status(uow, row, target, actor=actor, actor_id=agent.subject, at=now)
        row = await queries.get_ticket(session, claimed)
        assert row is not None
    return await ticket_view(session, row, Viewer.staff)


async def transition(
    uow: UnitOfWork, ticket_id: str, request: TransitionIn, agent: Principal
) -> TransitionOut:
    """Move a ticket as an agent asks; a move the life cycle forbids is a 409 naming the
    allowed ones."""
    parsed = parse_ticket_id(ticket_id)
    partner = (
        PartnerRef(
            name=request.partner.name,
            reference=request.partner.reference,
            partner_id=request.partner.partner_id,
        )
        if request.partner
        else None
    )
    lifecycle.check_details(request.to, request.note, partner)
    now = datetime.now(UTC)
    session = uow.session
    row = await queries.get_ticket(session, parsed)
    if row is None:
        raise TicketNotFoundError()
    current = TicketStatus(row.status)
    target = lifecycle.agent_move(current, request.to)
    if partner is not None:
        if partner.partner_id is not None:
            await _check_partner(session, partner.partner_id)
        # Whom the ticket waits on now: a partner handed it before answers no more.
        await queries.set_ticket(session, row.id, handed_to=partner.partner_id)
    if await queries.claim_if_unclaimed(session, row.id, agent.subject, now):
        await announce_assignee(uow, row, agent.subject, previous=None, by=agent.subject, at=now)
    await change_status(
        uow,
        row,
        target,
        actor=actor_of(agent),
        actor_id=agent.subject,
        at=now,
        note=request.note,
        partner=partner,
    )
    return TransitionOut(
        id=row.id,
        number=format_number(row.number),
        from_status=current,
        to_status=target,
        changed_at=now,
        allowed_moves=list(lifecycle.allowed_moves(target)),
    )


async def _check_partner(session: AsyncSession, partner_id: uuid.UUID) -> None:
    found = await credential_queries.get_credential(session, partner_id)
    if found is None or found.revoked_at is not None or found.role != Role.partner:
        reason = "no active partner key has this id"
        raise UnprocessableError(
            f"partner.partner_id: {reason} (see `sviftdesk credentials list`); leave it out "
            "for a partner outside SviftDesk",
            errors=[{"field": "partner.partner_id", "reason": reason}],
        )


async def assign(
    uow: UnitOfWork, ticket_id: str, request: AssigneeIn, agent: Principal
) -> AssigneeOut:
    """Hand a ticket to another staff member, or back to the queue (an agent away, say):
    nobody's ticket is stuck with one person. The same assignee again changes nothing."""
    parsed = parse_ticket_id(ticket_id)
    now = datetime.now(UTC)
    session = uow.session
    row = await queries.get_ticket(session, parsed)
    if row is None:
        raise TicketNotFoundError()
    if request.agent_id is not None:
        staff = await credential_queries.get_credential(session, request.agent_id)
        if staff is None or staff.revoked_at is not None or staff.role == Role.partner:
            raise UnprocessableError(
                "agent_id: no active staff member has this id (see `sviftdesk credentials list`)",
                errors=[{"field": "agent_id", "reason": "not an active staff member"}],
            )
    if row.claimed_by != request.agent_id:
        claimed_at = now if request.agent_id is not None else None
        await queries.set_ticket(
            session, row.id, claimed_by=request.agent_id, claimed_at=claimed_at
        )
        await record(
            session,
            row.id,
            now,
            TimelineKind.assigned,
            actor_of(agent),
            agent.subject,
            public=False,
            agent_id=str(request.agent_id) if request.agent_id else None,
        )
        await announce_assignee(
            uow, row, request.agent_id, previous=row.claimed_by, by=agent.subject, at=now
        )
    return AssigneeOut(id=row.id, number=format_number(row.number), claimed_by=request.agent_id)


async def set_complexity(
    uow: UnitOfWork, ticket_id: str, request: ComplexityIn, agent: Principal
) -> ComplexityOut:
    """The agent's judgement sets the resolution target (clause 8); the same value again
    changes nothing and publishes nothing."""

    def event(row: TicketWithCustomer, at: datetime) -> TicketComplexitySet:
        return TicketComplexitySet(
            ticket_id=row.id,
            number=format_number(row.number),
            complexity=request.complexity,
            set_at=at,
        )

    row = await _set_judgement(
        uow,
        ticket_id,
        agent,
        "complexity",
        request.complexity,
        {"complexity": request.complexity},
        event,
        open_only=True,
    )
    return ComplexityOut(id=row.id, number=format_number(row.number), complexity=request.complexity)


async def set_category(
    uow: UnitOfWork, ticket_id: str, request: CategoryIn, agent: Principal
) -> CategoryOut:
    """The agent corrects what the customer chose or the words suggested (clause 18), at any
    stage, so the reports count it right; a complaint goes to the senior review (clause 14).
    The same value again changes nothing and publishes nothing."""

    def event(row: TicketWithCustomer, at: datetime) -> TicketCategorySet:
        return TicketCategorySet(
            ticket_id=row.id,
            number=format_number(row.number),
            category=request.category,
            previous=row.category,
            subject=row.subject,
            set_at=at,
        )

    row = await _set_judgement(
        uow,
        ticket_id,
        agent,
        "category",
        request.category,
        # A person's judgement, no longer the words' guess.
        {"category": request.category, "category_confidence": None},
        event,
        open_only=False,
    )
    return CategoryOut(id=row.id, number=format_number(row.number), category=request.category)


async def _set_judgement(
    uow: UnitOfWork,
    ticket_id: str,
    agent: Principal,
    field: str,
    value: StrEnum,
    changes: TicketChanges,
    event: Callable[[TicketWithCustomer, datetime], EventPayload],
    *,
    open_only: bool,
) -> TicketWithCustomer:
    """An agent's judgement on a ticket: the field (``value``, set with ``changes``), its
    staff-only timeline entry and its event, in the unit of work."""
    parsed = parse_ticket_id(ticket_id)
    now = datetime.now(UTC)
    row = await queries.get_ticket(uow.session, parsed)
    if row is None:
        raise TicketNotFoundError()
    if open_only:
        lifecycle.check_open_for_requests(TicketStatus(row.status))
    if getattr(row, field) != value:
        await queries.set_ticket(uow.session, row.id, **changes)
        await record(
            uow.session,
            row.id,
            now,
            TimelineKind(f"{field}_set"),
            actor_of(agent),
            agent.subject,
            public=False,
            **{field: value},
        )
        await uow.stage(event(row, now), subject=row.id)
    return row
