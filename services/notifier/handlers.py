"""Events the notifier consumes: one function per event type, each recording what to send.

Sending happens in the sender, after the commit, so a redelivered event never mails twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.notifier import repository
from services.notifier.domain import notifications, webhooks
from services.notifier.domain.notifications import Contact, Notification
from services.sla.domain.book import PolicyBook
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    CustomerRef,
    SlaExtended,
    TicketCreated,
    TicketMessageAdded,
    TicketStatusChanged,
)
from shared.db import wake_after_commit
from shared.inbox import EventHandler, HandlerContext


class ContactNotKnownYetError(RuntimeError):
    """The ticket's ticket.created has not reached the notifier yet: retried later."""


def _contact(number: str, subject: str, customer: CustomerRef) -> Contact:
    return Contact(number, customer.email, customer.name, customer.language, subject)


async def _record(
    ctx: HandlerContext, event: CloudEvent, ticket_id: uuid.UUID, notification: Notification
) -> None:
    await repository.add_delivery(
        ctx.session,
        event_id=event.id,
        event_type=event.type,
        ticket_id=ticket_id,
        channel="email",
        recipient=notification.recipient,
        template=notification.template,
        language=notification.language,
        context=notification.context,
        next_attempt_at=datetime.now(UTC),
    )
    wake_after_commit(ctx.session, "deliveries")


async def _fan_out_to_partner(ctx: HandlerContext, event: CloudEvent, ticket_id: uuid.UUID) -> None:
    """A ticket's events reach the partner that filed it, on the webhooks it subscribed."""
    contact = await repository.get_contact(ctx.session, ticket_id)
    if contact is None or contact.partner_id is None:
        return
    body = webhooks.partner_view(
        event.model_dump(mode="json"), consented=contact.share_with_partners
    )
    for hook in await repository.webhooks_of(ctx.session, contact.partner_id):
        if webhooks.wants(hook.event_types, event.type):
            await repository.add_delivery(
                ctx.session,
                event_id=event.id,
                event_type=event.type,
                ticket_id=ticket_id,
                channel="webhook",
                recipient=str(hook.id),
                template=event.type,
                language="",
                context=body,
                next_attempt_at=datetime.now(UTC),
            )
            wake_after_commit(ctx.session, "deliveries")


async def _known_contact(ctx: HandlerContext, ticket_id: uuid.UUID) -> Contact:
    contact = await repository.get_contact(ctx.session, ticket_id)
    if contact is None:
        raise ContactNotKnownYetError(f"no contact yet for ticket {ticket_id}")
    return contact


async def on_ticket_created(ctx: HandlerContext, event: CloudEvent, book: PolicyBook) -> None:
    """The receipt confirmation (clause 4): the number, when the desk starts on it if it came
    while closed (clause 10), the first-response target (clause 2), onboarding for newcomers
    (clause 15). Times come from the same policy and calendar the sla service keeps."""
    payload = TicketCreated.model_validate(event.data)
    contact = Contact(
        payload.number,
        payload.customer.email,
        payload.customer.name,
        payload.customer.language,
        payload.subject,
        payload.partner_id,
        payload.share_with_partners,
    )
    await repository.save_contact(ctx.session, payload.ticket_id, contact)
    policy = book.at(payload.received_at)
    calendar = book.calendar(policy.version)
    starts_at = calendar.next_open(payload.received_at)
    first_answer_by = calendar.add(payload.received_at, policy.targets.first_response_minutes)
    language = contact.language
    receipt = Notification(
        "receipt",
        contact.email,
        language,
        {
            "number": payload.number,
            "name": contact.name,
            "subject": payload.subject,
            "is_new": payload.customer.is_new,
            "starts_at": (
                notifications.format_moment(starts_at, language)
                if starts_at > payload.received_at
                else None
            ),
            "first_answer_by": notifications.format_moment(first_answer_by, language),
        },
    )
    await _record(ctx, event, payload.ticket_id, receipt)
    await _fan_out_to_partner(ctx, event, payload.ticket_id)


async def on_status_changed(ctx: HandlerContext, event: CloudEvent) -> None:
    """Every stage, in words the customer understands (clause 6); the report on resolution."""
    payload = TicketStatusChanged.model_validate(event.data)
    known = await repository.get_contact(ctx.session, payload.ticket_id)
    contact = _contact(payload.number, known.subject if known else "", payload.customer)
    await _record(ctx, event, payload.ticket_id, notifications.for_status_change(contact, payload))
    await _fan_out_to_partner(ctx, event, payload.ticket_id)


async def on_message_added(ctx: HandlerContext, event: CloudEvent) -> None:
    payload = TicketMessageAdded.model_validate(event.data)
    known = await repository.get_contact(ctx.session, payload.ticket_id)
    contact = _contact(payload.number, known.subject if known else "", payload.customer)
    notification = notifications.for_message(contact, payload)
    if notification is not None:
        await _record(ctx, event, payload.ticket_id, notification)
        await _fan_out_to_partner(ctx, event, payload.ticket_id)


async def on_sla_extended(ctx: HandlerContext, event: CloudEvent) -> None:
    """A fix that takes longer is always told, with the reason (clause 26)."""
    payload = SlaExtended.model_validate(event.data)
    contact = await _known_contact(ctx, payload.ticket_id)
    await _record(ctx, event, payload.ticket_id, notifications.for_extension(contact, payload))
    await _fan_out_to_partner(ctx, event, payload.ticket_id)


def make_handlers(book: PolicyBook) -> dict[str, EventHandler]:
    async def receipt(ctx: HandlerContext, event: CloudEvent) -> None:
        await on_ticket_created(ctx, event, book)

    return {
        TicketCreated.event_type: receipt,
        TicketStatusChanged.event_type: on_status_changed,
        TicketMessageAdded.event_type: on_message_added,
        SlaExtended.event_type: on_sla_extended,
    }
