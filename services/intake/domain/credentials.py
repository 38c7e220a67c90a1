"""Who intake issues tokens to, and with what: plain rules, no I/O.

Staff (agent, senior, admin) get bearer tokens; partners get API keys with scopes. Both are
signed tokens (shared.auth) that every service verifies; intake keeps their hashes so an
admin can list and revoke them.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth import Role
from shared.errors import UnprocessableError

STAFF_ROLES: tuple[Role, ...] = (Role.agent, Role.senior, Role.admin)

# What a partner key may be allowed to do.
PARTNER_SCOPES: dict[str, str] = {
    "tickets:write": "file tickets for customers (POST /v1/tickets)",
    "tickets:read": "read the tickets this partner filed",
    "webhooks": "subscribe to the events of its tickets (notifier)",
    "mail:write": "forward raw inbound email (POST /v1/inbound/email), for mail providers",
}


class CredentialRequestError(UnprocessableError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def check_staff(role: Role, email: str | None) -> None:
    if role not in STAFF_ROLES:
        raise CredentialRequestError(
            "role", f"staff roles are {', '.join(r.value for r in STAFF_ROLES)}"
        )
    if not email:
        raise CredentialRequestError("email", "staff tokens are issued to a person's email")


def check_partner(name: str | None, scopes: Iterable[str]) -> list[str]:
    """The partner key's scopes, sorted; at least one, each one known."""
    if not name:
        raise CredentialRequestError("partner_name", "a partner key needs the partner's name")
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in PARTNER_SCOPES]
    if unknown:
        raise CredentialRequestError(
            "scopes", f"unknown scopes {unknown}; known: {', '.join(sorted(PARTNER_SCOPES))}"
        )
    if not chosen:
        raise CredentialRequestError(
            "scopes", f"give at least one of {', '.join(sorted(PARTNER_SCOPES))}"
        )
    return chosen


# NIST SP 800-63B (rev. 4): a password that is the only factor is 15 characters or more, and
# nothing else is asked of it (no mix of character kinds, no expiry). The ceiling keeps a
# megabyte of "password" from tying up a hashing thread.
PASSWORD_MIN_LENGTH = 15
PASSWORD_MAX_LENGTH = 256


def check_new_password(password: str, email: str) -> None:
    """A password an agent may choose: long enough, and not their own address."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise CredentialRequestError(
            "password",
            f"at least {PASSWORD_MIN_LENGTH} characters: a few words you will remember do well",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise CredentialRequestError("password", f"at most {PASSWORD_MAX_LENGTH} characters")
    if password.strip().lower() == email.lower():
        raise CredentialRequestError("password", "not your address: anyone could guess it")
