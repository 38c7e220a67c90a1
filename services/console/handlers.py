"""The console's event consumers: a revoked agent is signed out everywhere at once; staff
notices are kept for their person; the queue's changes wake the live queue pages."""

from __future__ import annotations

from services.console import notices, sessions, tables
from shared import revocation
from shared.contracts.events import (
    CredentialRevoked,
    StaffNotified,
    StaffRegistered,
    TicketAssigned,
    TicketCreated,
    TicketStatusChanged,
)
from shared.inbox import HandlersByType
from shared.unit_of_work import UnitOfWork

_remember = revocation.handlers_by_type(tables.revoked_credential)[CredentialRevoked]


async def on_credential_revoked(uow: UnitOfWork, payload: CredentialRevoked) -> None:
    await _remember(uow, payload)
    await sessions.end_all_of(uow.session, payload.credential_id)


async def on_staff_notified(uow: UnitOfWork, payload: StaffNotified) -> None:
    await notices.record(uow.session, payload)


async def on_staff_registered(uow: UnitOfWork, payload: StaffRegistered) -> None:
    await notices.remember_address(uow.session, payload)


async def on_queue_event(
    uow: UnitOfWork, _payload: TicketCreated | TicketAssigned | TicketStatusChanged
) -> None:
    # A new request, a claim, a hand-back or a close: the queue may have changed.
    await notices.queue_changed(uow.session)


HANDLERS: HandlersByType = {
    CredentialRevoked: on_credential_revoked,
    StaffNotified: on_staff_notified,
    StaffRegistered: on_staff_registered,
    TicketCreated: on_queue_event,
    TicketAssigned: on_queue_event,
    TicketStatusChanged: on_queue_event,
}
