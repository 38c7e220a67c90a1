"""Who a use case acts for: a verified staff member or partner, a ticket's customer (by the
token they hold), or nobody. ``services/intake/access.py`` makes one from the request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.auth import ForbiddenError, Principal, Role
from shared.contracts.events import Actor


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
