"""What a customer asks besides replying: a senior's review, a rating, consent to share their
contact with partners."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from services.intake.domain import lifecycle
from services.intake.domain.callers import Caller
from services.intake.domain.tickets import format_number
from services.intake.domain.timeline import TimelineKind
from services.intake.tickets import queries
from services.intake.tickets.queries import TicketWithCustomer
from services.intake.tickets.schemas import (
    ConsentIn,
    ConsentOut,
    EscalationIn,
    EscalationOut,
    RatingIn,
    RatingOut,
)
from services.intake.tickets.use_cases import (
    TicketNotFoundError,
    customer_ref,
    parse_ticket_id,
    require_customer,
    tell,
    viewer_of,
)
from shared.contracts.events import (
    Actor,
    TicketConsentChanged,
    TicketEscalationRequested,
    TicketSatisfactionRated,
    TicketStatus,
)
from shared.unit_of_work import UnitOfWork


async def request_escalation(
    uow: UnitOfWork, ticket_id: str, request: EscalationIn, caller: Caller
) -> EscalationOut:
    """The customer asks for a senior specialist's review (clause 11); the escalation service
    puts it in the senior queue."""
    parsed = parse_ticket_id(ticket_id)
    now = datetime.now(UTC)
    row = await queries.get_ticket(uow.session, parsed)
    require_customer(viewer_of(row, caller), "ask for escalation")
    assert row is not None
    lifecycle.check_open_for_requests(TicketStatus(row.status))
    await tell(
        uow,
        row,
        TimelineKind.escalation_requested,
        TicketEscalationRequested(
            ticket_id=row.id,
            number=format_number(row.number),
            reason=request.reason,
            requested_at=now,
            customer=customer_ref(row),
        ),
        actor=Actor.customer,
        actor_id=row.customer_id,
        at=now,
        reason=request.reason,
    )
    return EscalationOut(id=row.id, number=format_number(row.number), requested_at=now)


async def rate(uow: UnitOfWork, ticket_id: str, request: RatingIn, caller: Caller) -> RatingOut:
    """The customer rates a resolution, once per resolution (clauses 13, 27)."""

    def authorise(row: TicketWithCustomer | None) -> None:
        require_customer(viewer_of(row, caller), "rate the answer")

    return await _rate(uow, parse_ticket_id(ticket_id), request, authorise)


async def rate_by_link(uow: UnitOfWork, ticket_id: uuid.UUID, request: RatingIn) -> RatingOut:
    """The same, from the resolved mail's rating link: its signed value named this ticket."""

    def authorise(row: TicketWithCustomer | None) -> None:
        if row is None:
            raise TicketNotFoundError()

    return await _rate(uow, ticket_id, request, authorise)


async def _rate(
    uow: UnitOfWork,
    parsed: uuid.UUID,
    request: RatingIn,
    authorise: Callable[[TicketWithCustomer | None], None],
) -> RatingOut:
    rating_id, now = uuid.uuid4(), datetime.now(UTC)
    session = uow.session
    row = await queries.get_ticket(session, parsed)
    authorise(row)
    assert row is not None
    resolved_at = row.resolved_at
    rated = resolved_at is not None and await queries.rated_since(session, row.id, resolved_at)
    lifecycle.check_rating(TicketStatus(row.status), rated_since_resolution=rated)
    try:
        await queries.add_rating(
            session,
            id=rating_id,
            ticket_id=row.id,
            resolved_at=resolved_at,
            score=request.score,
            comment=request.comment,
            rated_at=now,
        )
    except IntegrityError:
        # The same resolution rated by a concurrent request (the unit is rolled back).
        raise lifecycle.AlreadyRatedError() from None
    await tell(
        uow,
        row,
        TimelineKind.rated,
        TicketSatisfactionRated(
            ticket_id=row.id,
            number=format_number(row.number),
            score=request.score,
            comment=request.comment,
            rated_at=now,
        ),
        actor=Actor.customer,
        actor_id=row.customer_id,
        at=now,
        score=request.score,
    )
    return RatingOut(
        id=rating_id, number=format_number(row.number), score=request.score, rated_at=now
    )


async def set_consent(
    uow: UnitOfWork, ticket_id: str, request: ConsentIn, caller: Caller
) -> ConsentOut:
    """The customer's consent to show partners their name and email (clause 19)."""
    parsed = parse_ticket_id(ticket_id)
    now = datetime.now(UTC)
    row = await queries.get_ticket(uow.session, parsed)
    require_customer(viewer_of(row, caller), "give or withdraw consent")
    assert row is not None
    if row.share_with_partners != request.share_with_partners:
        await queries.set_ticket(
            uow.session, row.id, share_with_partners=request.share_with_partners
        )
        await tell(
            uow,
            row,
            TimelineKind.consent_changed,
            TicketConsentChanged(
                ticket_id=row.id,
                number=format_number(row.number),
                share_with_partners=request.share_with_partners,
                changed_at=now,
                customer=customer_ref(row).model_copy(
                    update={"share_with_partners": request.share_with_partners}
                ),
            ),
            actor=Actor.customer,
            actor_id=row.customer_id,
            at=now,
            share_with_partners=request.share_with_partners,
        )
    return ConsentOut(id=row.id, share_with_partners=request.share_with_partners)
