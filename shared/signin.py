"""One-time sign-in links to the agent console, signed with the deployment's secret.

Intake (which knows staff addresses) asks for one, the notifier mails it and the CLI prints
one: each makes the same link from the same facts, so none of them stores the signed link.
The console checks the signature and the expiry, and records the nonce so it works once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.auth import Role, TokenSigner

PURPOSE = "console-sign-in"


@dataclass(frozen=True)
class SignInGrant:
    credential_id: uuid.UUID
    role: Role
    expires_at: datetime
    nonce: str


def new_grant(credential_id: uuid.UUID, role: Role, minutes: float) -> SignInGrant:
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    return SignInGrant(credential_id, role, expires.replace(microsecond=0), secrets.token_hex(16))


def link_token(signer: TokenSigner, grant: SignInGrant) -> str:
    value = f"{grant.credential_id}.{grant.role.value}.{int(grant.expires_at.timestamp())}"
    return signer.sign_value(PURPOSE, f"{value}.{grant.nonce}")


def link(signer: TokenSigner, console_url: str, grant: SignInGrant) -> str:
    return f"{console_url.rstrip('/')}/sign-in/{link_token(signer, grant)}"


def read_token(signer: TokenSigner, token: str) -> SignInGrant | None:
    """The grant a link carries, if we signed it (expired or not: the caller says which)."""
    value = signer.verify_value(PURPOSE, token)
    if value is None:
        return None
    try:
        credential, role, expires, nonce = value.split(".")
        return SignInGrant(
            uuid.UUID(credential), Role(role), datetime.fromtimestamp(int(expires), UTC), nonce
        )
    except ValueError:
        return None


def grant_of(parts: dict[str, str]) -> SignInGrant:
    """A grant from the parts an event or a delivery carries (``parts_of``)."""
    return SignInGrant(
        uuid.UUID(parts["credential_id"]),
        Role(parts["role"]),
        datetime.fromisoformat(parts["expires_at"]),
        parts["nonce"],
    )
