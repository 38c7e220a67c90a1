"""Who is calling intake, and whether intake still honours their token.

Staff tokens and partner keys are signed (shared.auth) and every service checks them on its
own, revocation included (``shared.auth.require``: the runtime owns the check; intake's
runtime reads intake's own credentials). Customers hold a ticket's access token, which only
that ticket opens (checked per ticket).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.intake.domain.callers import Caller
from shared.auth import (
    LEGACY_PREFIXES,
    TOKEN_PREFIX,
    refuse_revoked,
    signer_of,
)
from shared.runtime import ServiceRuntime

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="TicketOrStaffToken",
    description="a ticket's access token (the customer), or a staff token or partner key",
)


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
