"""Events the sla service consumes: intake's ticket facts drive the clocks; ratings and
feedback are kept for the reports."""

from __future__ import annotations

from collections.abc import Mapping

from services.sla import repository
from services.sla.clocks import SlaClocks
from shared.contracts.envelope import CloudEvent
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
from shared.inbox import EventHandler, HandlerContext


def make_handlers(clocks: SlaClocks) -> Mapping[str, EventHandler]:
    async def on_ticket_created(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.ticket_created(ctx.session, TicketCreated.model_validate(event.data))

    async def on_status_changed(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.status_changed(ctx.session, TicketStatusChanged.model_validate(event.data))

    async def on_message_added(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.message_added(ctx.session, TicketMessageAdded.model_validate(event.data))

    async def on_complexity_set(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.complexity_set(ctx.session, TicketComplexitySet.model_validate(event.data))

    async def on_category_set(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.category_set(ctx.session, TicketCategorySet.model_validate(event.data))

    async def on_escalation_opened(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.escalation_opened(ctx.session, EscalationOpened.model_validate(event.data))

    async def on_escalation_closed(ctx: HandlerContext, event: CloudEvent) -> None:
        await clocks.escalation_closed(ctx.session, EscalationClosed.model_validate(event.data))

    async def on_satisfaction_rated(ctx: HandlerContext, event: CloudEvent) -> None:
        payload = TicketSatisfactionRated.model_validate(event.data)
        await repository.add_rating(ctx.session, payload.ticket_id, payload.rated_at, payload.score)

    async def on_feedback_received(ctx: HandlerContext, event: CloudEvent) -> None:
        payload = FeedbackReceived.model_validate(event.data)
        await repository.add_feedback(
            ctx.session, payload.feedback_id, payload.kind, payload.received_at
        )

    return {
        TicketCreated.event_type: on_ticket_created,
        TicketStatusChanged.event_type: on_status_changed,
        TicketMessageAdded.event_type: on_message_added,
        TicketComplexitySet.event_type: on_complexity_set,
        TicketCategorySet.event_type: on_category_set,
        EscalationOpened.event_type: on_escalation_opened,
        EscalationClosed.event_type: on_escalation_closed,
        # Customers' satisfaction and feedback, for the reports beside the SLA figures.
        TicketSatisfactionRated.event_type: on_satisfaction_rated,
        FeedbackReceived.event_type: on_feedback_received,
    }
