"""A tiny OpenID Connect provider on loopback, for the single sign-on tests (issue 16).

It serves discovery, JWKS (an RSA key made per stub), an authorize endpoint that approves at
once as ``email`` and redirects back with a code, and a token endpoint that checks the client
secret, the redirect URI and the PKCE verifier before it answers a signed id_token. What a
test wants wrong (a nonce, an audience, an expiry, a key, ``email_verified``) it sets on the
stub; the stub runs on a thread of its own, so a browser test's console reaches it too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "sviftdesk-console"
CLIENT_SECRET = "stub-client-secret-of-some-length"


@dataclass
class ProviderStub:
    issuer: str = ""
    email: str = "anna@sviftcommunity.ru"
    email_verified: bool = True
    # Claims put over the right ones (e.g. {"nonce": "other"}); the key the token is signed
    # with (None: the published one); an error the authorize endpoint answers with.
    claims: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    error: str | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "stub-1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        async def authorize(request: Request) -> Response:
            ask = request.query_params
            back = ask["redirect_uri"]
            if self.error is not None:
                query = urlencode({"error": self.error, "state": ask["state"]})
                return RedirectResponse(f"{back}?{query}", status_code=302)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "client_id": ask["client_id"],
                "redirect_uri": back,
                "nonce": ask["nonce"],
                "challenge": ask["code_challenge"],
            }
            query = urlencode({"code": code, "state": ask["state"]})
            return RedirectResponse(f"{back}?{query}", status_code=302)

        @app.post("/token")
        async def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
        ) -> Response:
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            asked = self.codes.pop(code, None)  # a code works once
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                grant_type != "authorization_code"
                or asked is None
                or asked["redirect_uri"] != redirect_uri
                or asked["challenge"] != challenge
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "sub": "stub-user-1",
                "aud": asked["client_id"],
                "iat": now,
                "exp": now + 300,
                "nonce": asked["nonce"],
                "email": self.email,
                "email_verified": self.email_verified,
                **self.claims,
            }
            key = self.signing_key or self.key
            id_token = jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, key)
            return JSONResponse(
                {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}
            )

        return app


@contextmanager
def running_provider() -> Iterator[ProviderStub]:
    """A stub served on a free loopback port, on a thread with its own event loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    stub = ProviderStub(issuer=f"http://127.0.0.1:{sock.getsockname()[1]}")
    # log_config=None: uvicorn's own dictConfig would rewire the process's loggers for every
    # later test in this worker (test_public_surface reads what reaches them).
    config = uvicorn.Config(stub.app(), log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        yield stub
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
