"""Staff finding tickets (issue 16): full-text search, and a customer's other tickets."""

from __future__ import annotations

from services.intake.domain.staff_tools import parse_search
from services.intake.domain.tickets import format_number
from services.intake.tickets import queries
from services.intake.tickets.queries import TicketSummaryRecord
from services.intake.tickets.schemas import (
    CustomerOut,
    SearchOrder,
    TicketHitOut,
    TicketSearchPageOut,
    TicketSearchQuery,
)
from services.intake.tickets.use_cases import TicketNotFoundError, parse_ticket_id
from shared.auth import Principal
from shared.contracts.events import Language
from shared.unit_of_work import UnitOfWork


def _hit(record: TicketSummaryRecord) -> TicketHitOut:
    return TicketHitOut(
        id=record.id,
        number=format_number(record.number),
        status=record.status,
        channel=record.channel,
        category=record.category,
        complexity=record.complexity,
        subject=record.subject,
        received_at=record.received_at,
        customer_is_new=record.customer_is_new,
        claimed_by=record.claimed_by,
        awaiting_reply_since=record.awaiting_reply_since,
        customer=CustomerOut(
            name=record.customer_name,
            email=record.customer_email,
            language=Language(record.customer_language),
        ),
    )


async def search(
    uow: UnitOfWork, query: TicketSearchQuery, staff: Principal
) -> TicketSearchPageOut:
    """Tickets holding every word of ``q`` (any form), its numbers and addresses, as filtered;
    one page, ranked or newest first."""
    wanted = parse_search(query.q)
    found = await queries.search_tickets(
        uow.session,
        prefixes=wanted.prefixes,
        numbers=wanted.numbers,
        addresses=wanted.addresses,
        statuses=query.status,
        categories=query.category,
        channel=query.channel,
        claimed_by=staff.subject if query.mine else query.assignee,
        by_relevance=query.order is SearchOrder.relevance,
        limit=query.limit + 1,  # one more tells whether another page follows
        offset=query.offset,
    )
    more = len(found) > query.limit
    return TicketSearchPageOut(
        items=[_hit(record) for record in found[: query.limit]],
        next_offset=query.offset + query.limit if more else None,
    )


async def customer_tickets(uow: UnitOfWork, ticket_id: str, *, limit: int) -> list[TicketHitOut]:
    """The same customer's other tickets, newest first (staff)."""
    parsed = parse_ticket_id(ticket_id)
    found = await queries.customer_tickets(uow.session, parsed, limit=limit)
    if found is None:
        raise TicketNotFoundError()
    return [_hit(record) for record in found]
