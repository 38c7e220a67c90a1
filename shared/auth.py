"""Who is calling: staff and partner tokens that every service can verify on its own.

Staff (agent, senior, admin) and partners hold bearer tokens signed with the deployment's
secret (HMAC-SHA256), so any service checks them without asking another. Intake issues them
(``sviftdesk agents create``) and keeps their hashes, so it can list and revoke them.
Customers hold per-ticket access tokens, which only intake knows (see services/intake).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import ProblemError
from shared.settings import Settings, SettingsError

TOKEN_PREFIX = "sd1"


class Role(StrEnum):
    customer = "customer"
    partner = "partner"
    agent = "agent"
    senior = "senior"
    admin = "admin"


# A senior specialist can do an agent's work and an admin anyone's; never the other way.
STAFF_RANK = {Role.agent: 1, Role.senior: 2, Role.admin: 3}


@dataclass(frozen=True)
class Principal:
    subject: uuid.UUID
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)

    def is_at_least(self, role: Role) -> bool:
        if self.role == role:
            return True
        return STAFF_RANK.get(self.role, 0) >= STAFF_RANK.get(role, 99)


class UnauthorizedError(ProblemError):
    status, title = 401, "Unauthorized"


class ForbiddenError(ProblemError):
    status, title = 403, "Forbidden"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _same(given: str, expected: str) -> bool:
    # In constant time, and for any text: hmac refuses to compare non-ASCII str, and a token
    # from a request may hold anything.
    return hmac.compare_digest(given.encode(), expected.encode())


class TokenSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise SettingsError("SVIFTDESK_SECRET_KEY: must be at least 32 bytes")
        self._secret = secret

    def issue(self, subject: uuid.UUID, role: Role, scopes: Iterable[str] = ()) -> str:
        claims = {"sub": str(subject), "role": role.value, "scopes": sorted(scopes)}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        # A random nonce makes every token distinct, even for the same claims.
        payload = f"{TOKEN_PREFIX}.{body}.{_b64(secrets.token_bytes(12))}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> Principal | None:
        try:
            prefix, body, nonce, signature = token.split(".")
        except ValueError:
            return None
        payload = f"{prefix}.{body}.{nonce}"
        if prefix != TOKEN_PREFIX or not _same(signature, self._sign(payload)):
            return None
        try:
            claims = json.loads(_unb64(body))
            return Principal(
                uuid.UUID(claims["sub"]), Role(claims["role"]), frozenset(claims["scopes"])
            )
        except (ValueError, KeyError, TypeError):
            return None

    def sign_value(self, purpose: str, value: str) -> str:
        """A token that proves we issued ``value`` for ``purpose`` (e.g. an opt-out link)."""
        body = _b64(value.encode())
        return f"{body}.{self._sign(f'{purpose}:{body}')}"

    def verify_value(self, purpose: str, token: str) -> str | None:
        body, _, signature = token.partition(".")
        if not signature or not _same(signature, self._sign(f"{purpose}:{body}")):
            return None
        try:
            return _unb64(body).decode()
        except (ValueError, UnicodeDecodeError):
            return None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())


def token_hash(token: str) -> str:
    """Tokens are long and random: a plain SHA-256 is the right way to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_signer(settings: Settings) -> TokenSigner:
    """The deployment's signer. The embedded default keeps a generated key under var/."""
    if settings.secret_key is not None:
        return TokenSigner(settings.secret_key.get_secret_value().encode())
    if settings.amqp_url:
        raise SettingsError(
            "SVIFTDESK_SECRET_KEY: required when services run apart (SVIFTDESK_AMQP_URL is set), "
            "so that all of them accept the same tokens"
        )
    path: Path = settings.var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return TokenSigner(path.read_text().strip().encode())


bearer = HTTPBearer(auto_error=False, description="a staff or partner token")


def signer_of(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.runtime.signer
    return signer


def require(role: Role, *, scope: str | None = None) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's principal, if it holds ``role`` (or outranks it) and scope.

    Async although it awaits nothing: FastAPI runs a plain ``def`` dependency in a thread."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None:
            raise UnauthorizedError("Send a bearer token in the Authorization header.")
        principal = signer_of(request).verify(credentials.credentials)
        if principal is None:
            raise UnauthorizedError("This token is not valid here.")
        is_revoked = getattr(request.app.state, "is_revoked", None)
        if is_revoked is not None and await is_revoked(principal.subject):
            raise UnauthorizedError("This token was revoked.")
        if not principal.is_at_least(role):
            raise ForbiddenError(f"This needs the {role.value} role.")
        if scope is not None and scope not in principal.scopes and principal.role == Role.partner:
            raise ForbiddenError(f"This partner key lacks the {scope!r} scope.")
        return principal

    return dependency


AgentDep = Annotated[Principal, Depends(require(Role.agent))]
SeniorDep = Annotated[Principal, Depends(require(Role.senior))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]
