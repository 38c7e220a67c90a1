"""Who is calling intake, and whether intake still honours their token.

Staff tokens and partner keys are signed (shared.auth) and every service checks them on its
own, revocation included (``shared.auth.require``: the runtime owns the check; intake's
runtime reads intake's own credentials). Customers hold a ticket's access token, which only
that ticket opens (checked per ticket).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import (
    LEGACY_PREFIXES,
    TOKEN_PREFIX,
    ForbiddenError,
    Principal,
    Role,
    refuse_revoked,
    signer_of,
)
from shared.contracts.events import Actor
from shared.runtime import ServiceRuntime

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="TicketOrStaffToken",
    description="a ticket's access token (the customer), or a staff token or partner key",
)


@dataclass(frozen=True)
class Caller:
    """A verified staff member or partner, or the bearer of a would-be ticket access token
    (checked against the ticket it asks for), or nobody."""

    principal: Principal | None = None
    customer_token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.principal is not None and self.principal.is_at_least(Role.agent)

    @property
    def partner_id(self) -> uuid.UUID | None:
        if self.principal is not None and self.principal.role is Role.partner:
            return self.principal.subject
        return None

    def require_partner_scope(self, scope: str) -> None:
        if self.partner_id is not None and self.principal and scope not in self.principal.scopes:
            raise ForbiddenError(f"This partner key lacks the {scope!r} scope.")


def actor_of(principal: Principal) -> Actor:
    if principal.role is Role.partner:
        return Actor.partner
    return Actor.senior if principal.role is Role.senior else Actor.agent


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None:
        return Caller()
    token = credentials.credentials
    if not token.startswith((f"{TOKEN_PREFIX}.", *(f"{p}." for p in LEGACY_PREFIXES))):
        return Caller(customer_token=token)
    principal = signer_of(request).authenticate(token)
    await refuse_revoked(request, principal)
    return Caller(principal=principal)


CallerDep = Annotated[Caller, Depends(caller)]


async def limit_write(
    request: Request,
    runtime: ServiceRuntime,
    caller: Caller,
    *,
    customer: str | None = None,
    field: str = "customer",
) -> None:
    """Spend the caller's budget for one write (429 once spent): staff have none; a partner
    spends its key's quota; anyone else (the web form, a ticket's token) one of their
    address's writes and one of the customer's (``customer``: an email address, a ticket)."""
    if caller.is_staff:
        return
    if caller.partner_id is not None:
        await runtime.limiter.partner(caller.partner_id)
        return
    await runtime.limiter.anonymous(request, customer=customer, field=field)
