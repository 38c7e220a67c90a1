"""The console's event consumers: a revoked agent is signed out everywhere at once."""

from __future__ import annotations

from collections.abc import Mapping

from services.console import sessions, tables
from shared import revocation
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CredentialRevoked
from shared.inbox import EventHandler, HandlerContext

_remember = revocation.handlers(tables.revoked_credential)[CredentialRevoked.event_type]


async def on_credential_revoked(ctx: HandlerContext, event: CloudEvent) -> None:
    await _remember(ctx, event)
    payload = CredentialRevoked.model_validate(event.data)
    await sessions.end_all_of(ctx.session, payload.credential_id)


HANDLERS: Mapping[str, EventHandler] = {CredentialRevoked.event_type: on_credential_revoked}
