"""Staff sign-in by OpenID Connect (issue 16): intake is the client, the console relays.

The flow is the authorization code flow with PKCE (S256) and a nonce, and a client secret at
the token endpoint. Intake keeps nothing between start and finish: the ``state`` it hands
out is signed with the deployment's key and carries a random seed, its expiry and a digest
of the redirect URI; the PKCE verifier and the nonce are derived from that seed under the
key (``TokenSigner.derive``), so they never appear in the browser or at the provider's
authorize endpoint, and any intake replica can finish what another started. The console binds
the state to the browser that started it (a short-lived cookie), and the provider spends the
code once, which together stop a replayed state.

Every failure after the provider answered (a bad token, an unknown, revoked or partner
address, an unverified email) is one 401: it tells no one who works here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.intake.staff import queries
from shared import signin
from shared.auth import Role, TokenSigner, UnauthorizedError
from shared.errors import NotFoundError, ProblemError
from shared.settings import AuthSettings
from shared.unit_of_work import UnitOfWork

STATE_PURPOSE = "oidc-state"
STATE_MINUTES = 10
# The console turns the grant into a session at once, as after a password.
GRANT_MINUTES = 1.0
# Asymmetric only: a provider's "HS256" would be signed with our own client secret.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
TIMEOUT = httpx.Timeout(10.0)


class OidcOffError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Single sign-on is not configured here (SVIFTDESK_OIDC_ISSUER).")


class OidcSignInRefusedError(UnauthorizedError):
    """The one answer to every refusal: it tells no one who works here."""

    def __init__(self) -> None:
        super().__init__(
            "Single sign-on did not sign you in: the provider's answer was not accepted, or "
            "its address is not an active staff member's with a verified email.",
            errors=[{"field": "code", "reason": "sign-in refused"}],
        )


class OidcProviderError(ProblemError):
    status, title = 502, "Bad gateway"

    def __init__(self) -> None:
        super().__init__("The sign-on provider did not answer as expected; try again later.")


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _digest(value: str) -> str:
    return _b64(hashlib.sha256(value.encode()).digest())


def _secrets(signer: TokenSigner, seed: str) -> tuple[str, str]:
    """The PKCE verifier (43 URL-safe characters) and the nonce of the state made from seed."""
    return signer.derive("oidc-pkce", seed)[1], signer.derive("oidc-nonce", seed)[1]


def _configured(auth: AuthSettings) -> tuple[str, str]:
    if auth.oidc_issuer is None or auth.oidc_client_id is None:
        raise OidcOffError()
    return auth.oidc_issuer, auth.oidc_client_id


async def _discover(client: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
    """The provider's metadata. Fetched each time: sign-ins are rare, and a provider's
    rotated keys are then seen at once."""
    try:
        response = await client.get(f"{issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        meta: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcProviderError() from exc
    if meta.get("issuer") != issuer or not all(
        isinstance(meta.get(k), str)
        for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        raise OidcProviderError()
    return meta


async def start(auth: AuthSettings, signer: TokenSigner, redirect_uri: str) -> AuthorizationStart:
    """Where to send the browser, and the state the callback must bring back."""
    issuer, client_id = _configured(auth)
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        meta = await _discover(client, issuer)
    seed = secrets.token_urlsafe(16)
    expires = int((datetime.now(UTC) + timedelta(minutes=STATE_MINUTES)).timestamp())
    state = signer.sign_value(STATE_PURPOSE, f"{seed}.{expires}.{_digest(redirect_uri)}")
    verifier, nonce = _secrets(signer, seed)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": auth.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
    )
    endpoint = meta["authorization_endpoint"]
    return AuthorizationStart(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state)


def _seed_of(signer: TokenSigner, state: str, redirect_uri: str) -> str:
    """The seed of a state we handed out for this redirect URI and that has not expired."""
    value = signer.verify_value(STATE_PURPOSE, state)
    if value is None:
        raise OidcSignInRefusedError()
    try:
        seed, expires, digest = value.split(".")
        expired = int(expires) < datetime.now(UTC).timestamp()
    except ValueError as exc:
        raise OidcSignInRefusedError() from exc
    if expired or not secrets.compare_digest(digest, _digest(redirect_uri)):
        raise OidcSignInRefusedError()
    return seed


async def _id_token(
    auth: AuthSettings, client_id: str, meta: dict[str, Any], client: httpx.AsyncClient, **form: str
) -> str:
    secret = auth.oidc_client_secret
    data = {"grant_type": "authorization_code", **form}
    # client_secret_basic; without a secret, a public client that names itself.
    basic = httpx.BasicAuth(client_id, secret.get_secret_value()) if secret else None
    if basic is None:
        data["client_id"] = client_id
    try:
        response = await client.post(
            meta["token_endpoint"], data=data, auth=basic or httpx.USE_CLIENT_DEFAULT
        )
    except httpx.HTTPError as exc:
        raise OidcProviderError() from exc
    if response.status_code in (400, 401):
        raise OidcSignInRefusedError()  # a spent, forged or foreign code
    try:
        response.raise_for_status()
        token = response.json().get("id_token")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise OidcProviderError() from exc
    if not isinstance(token, str):
        raise OidcProviderError()
    return token


async def _keys(client: httpx.AsyncClient, jwks_uri: str) -> KeySet:
    try:
        response = await client.get(jwks_uri)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (httpx.HTTPError, ValueError, JoseError) as exc:
        raise OidcProviderError() from exc


def _verified_email(token: str, keys: KeySet, issuer: str, client_id: str, nonce: str) -> str:
    """The id_token's address, if the provider signed it for us, now, for this sign-in, and
    says the address is verified."""
    try:
        claims = jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            email={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError) as exc:
        raise OidcSignInRefusedError() from exc
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise OidcSignInRefusedError()
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        raise OidcSignInRefusedError()
    return email


async def finish(
    uow: UnitOfWork,
    auth: AuthSettings,
    signer: TokenSigner,
    *,
    code: str,
    state: str,
    redirect_uri: str,
) -> str:
    """The provider's code for a one-time console sign-in token (as a mailed link carries)
    of the active staff credential with the id_token's verified address."""
    issuer, client_id = _configured(auth)
    seed = _seed_of(signer, state, redirect_uri)
    verifier, nonce = _secrets(signer, seed)
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        meta = await _discover(client, issuer)
        token = await _id_token(
            auth, client_id, meta, client,
            code=code, redirect_uri=redirect_uri, code_verifier=verifier,
        )  # fmt: skip
        keys = await _keys(client, meta["jwks_uri"])
    email = _verified_email(token, keys, issuer, client_id, nonce)
    account = await queries.active_staff_account(uow.session, email)
    if account is None:
        raise OidcSignInRefusedError()
    grant = signin.new_grant(account.id, Role(account.role), GRANT_MINUTES)
    return signin.link_token(signer, grant)
