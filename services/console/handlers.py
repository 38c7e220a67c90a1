"""The console's event consumers: a revoked agent is signed out everywhere at once; staff
notices are kept for their person; the queue's changes wake the live queue pages."""

from __future__ import annotations

from collections.abc import Mapping

from services.console import notices, sessions, tables
from shared import revocation
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    CredentialRevoked,
    StaffNotified,
    StaffRegistered,
    TicketAssigned,
    TicketCreated,
    TicketStatusChanged,
)
from shared.inbox import EventHandler, HandlerContext

_remember = revocation.handlers(tables.revoked_credential)[CredentialRevoked.event_type]


async def on_credential_revoked(ctx: HandlerContext, event: CloudEvent) -> None:
    await _remember(ctx, event)
    payload = CredentialRevoked.model_validate(event.data)
    await sessions.end_all_of(ctx.session, payload.credential_id)


async def on_staff_notified(ctx: HandlerContext, event: CloudEvent) -> None:
    await notices.record(ctx.session, StaffNotified.model_validate(event.data))


async def on_staff_registered(ctx: HandlerContext, event: CloudEvent) -> None:
    await notices.remember_address(ctx.session, StaffRegistered.model_validate(event.data))


async def on_queue_event(ctx: HandlerContext, _event: CloudEvent) -> None:
    # A new request, a claim, a hand-back or a close: the queue may have changed.
    await notices.queue_changed(ctx.session)


HANDLERS: Mapping[str, EventHandler] = {
    CredentialRevoked.event_type: on_credential_revoked,
    StaffNotified.event_type: on_staff_notified,
    StaffRegistered.event_type: on_staff_registered,
    TicketCreated.event_type: on_queue_event,
    TicketAssigned.event_type: on_queue_event,
    TicketStatusChanged.event_type: on_queue_event,
}
