"""Events the sla service consumes, by payload type: intake's ticket facts and the senior
reviews drive the clocks; ratings and feedback are kept for the reports."""

from __future__ import annotations

from services.sla import repository
from services.sla.clocks import SlaClocks
from shared.contracts.events import (
    EscalationClosed,
    EscalationOpened,
    FeedbackReceived,
    TicketCategorySet,
    TicketComplexitySet,
    TicketCreated,
    TicketMessageAdded,
    TicketSatisfactionRated,
    TicketStatusChanged,
)
from shared.inbox import HandlersByType
from shared.unit_of_work import UnitOfWork


async def on_satisfaction_rated(uow: UnitOfWork, payload: TicketSatisfactionRated) -> None:
    await repository.add_rating(uow.session, payload.ticket_id, payload.rated_at, payload.score)


async def on_feedback_received(uow: UnitOfWork, payload: FeedbackReceived) -> None:
    await repository.add_feedback(
        uow.session, payload.feedback_id, payload.kind, payload.received_at
    )


def make_handlers(clocks: SlaClocks) -> HandlersByType:
    return {
        TicketCreated: clocks.ticket_created,
        TicketStatusChanged: clocks.status_changed,
        TicketMessageAdded: clocks.message_added,
        TicketComplexitySet: clocks.complexity_set,
        TicketCategorySet: clocks.category_set,
        EscalationOpened: clocks.escalation_opened,
        EscalationClosed: clocks.escalation_closed,
        # Customers' satisfaction and feedback, for the reports beside the SLA figures.
        TicketSatisfactionRated: on_satisfaction_rated,
        FeedbackReceived: on_feedback_received,
    }
