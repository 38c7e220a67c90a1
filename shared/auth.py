"""Who is calling: staff and partner tokens that every service can verify on its own.

Staff (agent, senior, admin) and partners hold bearer tokens signed with the deployment's
secret (HMAC-SHA256), so any service checks them without asking another. A token names the
key that signed it and when it expires, so keys rotate without logging everyone out. Intake
issues them (``sviftdesk agents create``) and keeps their hashes, so it can list and revoke them.
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
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import ProblemError
from shared.settings import Settings, SettingsError, key_weakness

# sd2: a key id and an expiry inside. sd1 tokens (no expiry) are refused as expired.
TOKEN_PREFIX = "sd2"
LEGACY_PREFIXES = ("sd1",)
CUSTOMER_KEY_PURPOSE = "ticket-access"


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


def key_id(key: bytes) -> str:
    """A short public name of a key, carried in tokens so verification picks the key."""
    return _b64(hashlib.sha256(b"sviftdesk-key-id:" + key).digest()[:6])


class TokenSigner:
    """Signs with the first key, verifies with any: a new key is put first, the old one kept
    second until every token signed under it has expired, then removed."""

    def __init__(
        self,
        *keys: bytes,
        staff_ttl: timedelta = timedelta(hours=12),
        partner_ttl: timedelta = timedelta(days=90),
    ) -> None:
        if not keys:
            raise SettingsError("SVIFTDESK_SECRET_KEYS: needs at least one key")
        for key in keys:
            reason = key_weakness(key.decode(errors="replace"))
            if reason is not None:
                raise SettingsError(f"SVIFTDESK_SECRET_KEYS: {reason}")
        self._keys = {key_id(key): key for key in keys}
        self._signing_id = key_id(keys[0])
        self._ttl = {Role.partner: partner_ttl}
        self._staff_ttl = staff_ttl

    def lifetime(self, role: Role) -> timedelta:
        return self._ttl.get(role, self._staff_ttl)

    def issue(
        self,
        subject: uuid.UUID,
        role: Role,
        scopes: Iterable[str] = (),
        *,
        now: datetime | None = None,
    ) -> str:
        expires = (now or datetime.now(UTC)) + self.lifetime(role)
        claims = {
            "sub": str(subject),
            "role": role.value,
            "scopes": sorted(scopes),
            "exp": int(expires.timestamp()),
        }
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        # A random nonce makes every token distinct, even for the same claims.
        payload = f"{TOKEN_PREFIX}.{self._signing_id}.{body}.{_b64(secrets.token_bytes(12))}"
        return f"{payload}.{self._sign(self._keys[self._signing_id], payload)}"

    def authenticate(self, token: str, *, now: datetime | None = None) -> Principal:
        """The token's principal, or UnauthorizedError saying why not."""
        parts = token.split(".")
        if parts[0] in LEGACY_PREFIXES:
            raise UnauthorizedError("This token has expired: ask an admin for a new one.")
        if len(parts) != 5 or parts[0] != TOKEN_PREFIX:
            raise UnauthorizedError("This token is not valid here.")
        _prefix, kid, body, _nonce, signature = parts
        key = self._keys.get(kid)
        payload = token.rpartition(".")[0]
        if key is None or not _same(signature, self._sign(key, payload)):
            raise UnauthorizedError("This token is not valid here.")
        try:
            claims = json.loads(_unb64(body))
            principal = Principal(
                uuid.UUID(claims["sub"]), Role(claims["role"]), frozenset(claims["scopes"])
            )
            expires = int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            raise UnauthorizedError("This token is not valid here.") from None
        if (now or datetime.now(UTC)).timestamp() >= expires:
            raise UnauthorizedError("This token has expired: ask an admin for a new one.")
        return principal

    def verify(self, token: str) -> Principal | None:
        try:
            return self.authenticate(token)
        except UnauthorizedError:
            return None

    def sign_value(self, purpose: str, value: str) -> str:
        """A token that proves we issued ``value`` for ``purpose`` (e.g. an opt-out link)."""
        body = _b64(value.encode())
        return f"{body}.{self._sign(self._keys[self._signing_id], f'{purpose}:{body}')}"

    def verify_value(self, purpose: str, token: str) -> str | None:
        body, _, signature = token.partition(".")
        # No key id in these links (they are kept short): any listed key may have signed.
        if not signature or not any(
            _same(signature, self._sign(key, f"{purpose}:{body}")) for key in self._keys.values()
        ):
            return None
        try:
            return _unb64(body).decode()
        except (ValueError, UnicodeDecodeError):
            return None

    def derive(self, purpose: str, seed: str) -> tuple[str, str]:
        """A secret made from a public ``seed`` under the signing key: (key id, secret).
        Whoever holds the seed alone learns nothing; any service with the key recomputes it."""
        return self._signing_id, self._sign(self._keys[self._signing_id], f"{purpose}:{seed}")

    def rederive(self, kid: str, purpose: str, seed: str) -> str | None:
        """``derive``'s secret under the key ``kid``; None once that key is no longer listed."""
        key = self._keys.get(kid)
        return None if key is None else self._sign(key, f"{purpose}:{seed}")

    @staticmethod
    def _sign(key: bytes, payload: str) -> str:
        return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def customer_key(signer: TokenSigner, seed: str) -> tuple[str, str]:
    """A ticket's new customer key, made from ``seed``: (key id, key)."""
    return signer.derive(CUSTOMER_KEY_PURPOSE, seed)


def remade_customer_key(signer: TokenSigner, key_id: str, seed: str) -> str | None:
    """The key ``customer_key`` made; None if the key that made it is no longer listed."""
    return signer.rederive(key_id, CUSTOMER_KEY_PURPOSE, seed)


def token_hash(token: str) -> str:
    """Tokens are long and random: a plain SHA-256 is the right way to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def load_signer(settings: Settings) -> TokenSigner:
    """The deployment's signer. The embedded default keeps a generated key under var/."""
    lifetimes = {
        "staff_ttl": timedelta(hours=settings.auth.staff_token_hours),
        "partner_ttl": timedelta(days=settings.auth.partner_key_days),
    }
    keys = settings.signing_keys()
    if keys:
        return TokenSigner(*keys, **lifetimes)
    if settings.amqp_url:
        raise SettingsError(
            "SVIFTDESK_SECRET_KEY (or SVIFTDESK_SECRET_KEYS): required when services run apart "
            "(SVIFTDESK_AMQP_URL is set), so that all of them accept the same tokens"
        )
    path: Path = settings.var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return TokenSigner(path.read_text().strip().encode(), **lifetimes)


bearer = HTTPBearer(auto_error=False, description="a staff or partner token")


def signer_of(request: Request) -> TokenSigner:
    signer: TokenSigner = request.app.state.runtime.signer
    return signer


async def refuse_revoked(request: Request, principal: Principal) -> None:
    """401 if the principal's credential was revoked: the runtime owns the check (shared.auth
    cannot import it), so every service refuses a revoked token the same way."""
    if await request.app.state.runtime.is_revoked(principal.subject):
        raise UnauthorizedError("This token was revoked.")


def require(role: Role, *, scope: str | None = None) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's principal, if it holds ``role`` (or outranks it) and scope.

    Async although it awaits nothing: FastAPI runs a plain ``def`` dependency in a thread."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None:
            raise UnauthorizedError("Send a bearer token in the Authorization header.")
        principal = signer_of(request).authenticate(credentials.credentials)
        await refuse_revoked(request, principal)
        if not principal.is_at_least(role):
            raise ForbiddenError(f"This needs the {role.value} role.")
        if scope is not None and scope not in principal.scopes and principal.role == Role.partner:
            raise ForbiddenError(f"This partner key lacks the {scope!r} scope.")
        return principal

    return dependency


AgentDep = Annotated[Principal, Depends(require(Role.agent))]
SeniorDep = Annotated[Principal, Depends(require(Role.senior))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]
