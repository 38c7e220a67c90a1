"""Single sign-on by OpenID Connect (issue 16): the console relays, intake is the client.

"Sign in with SSO" asks intake for the provider's authorization URL and its state, and keeps
the state in a short-lived cookie of this browser (HttpOnly, SameSite=Lax so that it comes
back on the provider's redirect, signed, and only sent to /sign-in/oidc). The callback
refuses a state this browser did not start, which stops a sign-in forged into someone else's
browser; intake then checks everything else (its own signature on the state, the code, the
id_token) and answers a one-time grant that opens a session as a password does.
"""

from __future__ import annotations

import json
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n
from services.console.api.signin import _check_origin, _open_session
from services.console.web import form_of, page, runtime_of, upstream_of
from shared.signin import read_token
from shared.web.upstream import ProblemError

router = APIRouter(include_in_schema=False)

CALLBACK = "/sign-in/oidc/callback"
STATE_COOKIE = "sviftdesk_console_oidc"
COOKIE_PURPOSE = "console-oidc-state"
COOKIE_PATH = "/sign-in/oidc"
# As long as intake honours a state.
COOKIE_SECONDS = 10 * 60


def _callback_url(request: Request) -> str:
    return runtime_of(request).settings.public.console_public_url.rstrip("/") + CALLBACK


def _failed(request: Request, language: str, status: int, key: str) -> Response:
    return page(request, "sign_in.html.j2", language, status, sso_error=i18n.words(language)[key])


@router.post("/sign-in/oidc/start")
async def start_sso(request: Request) -> Response:
    """To the provider, through a page that goes on by itself: the pages' policy
    (form-action 'self') stops a form's answer from redirecting to another site."""
    _check_origin(request)
    form = await form_of(request)
    language = form.get("language", "ru")
    language = language if language in i18n.LANGUAGES else "ru"
    try:
        answer = await upstream_of(request).json(
            None,
            "intake",
            "POST",
            "/v1/staff/sign-in/oidc/start",
            json={"redirect_uri": _callback_url(request)},
            client=request.client.host if request.client else None,
        )
    except ProblemError as exc:
        key = "sso_off" if exc.problem.status == 404 else "sso_unavailable"
        return _failed(request, language, exc.problem.status, key)
    runtime = runtime_of(request)
    kept = json.dumps({"state": answer["state"], "language": language})
    response = page(request, "sso_redirect.html.j2", language, url=answer["url"])
    response.set_cookie(
        STATE_COOKIE,
        runtime.signer.sign_value(COOKIE_PURPOSE, kept),
        max_age=COOKIE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.public.console_public_url.startswith("https://"),
    )
    return response


def _kept(request: Request) -> tuple[str, str] | None:
    """The state this browser started, and the language it chose then."""
    cookie = request.cookies.get(STATE_COOKIE)
    value = runtime_of(request).signer.verify_value(COOKIE_PURPOSE, cookie) if cookie else None
    if value is None:
        return None
    try:
        kept = json.loads(value)
        state, language = str(kept["state"]), str(kept["language"])
    except (ValueError, KeyError, TypeError):
        return None
    return state, language if language in i18n.LANGUAGES else "ru"


@router.get(CALLBACK)
async def sso_callback(request: Request) -> Response:
    kept = _kept(request)
    language = kept[1] if kept else "ru"
    ask = request.query_params
    if "error" in ask:
        key = "sso_denied" if ask["error"] == "access_denied" else "sso_provider_error"
        response = _failed(request, language, 400, key)
    elif kept is None or not secrets.compare_digest(ask.get("state", ""), kept[0]):
        response = _failed(request, language, 400, "sso_state")
    else:
        response = await _finish(request, language, ask.get("code", ""), kept[0])
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return response


async def _finish(request: Request, language: str, code: str, state: str) -> Response:
    try:
        answer = await upstream_of(request).json(
            None,
            "intake",
            "POST",
            "/v1/staff/sign-in/oidc",
            json={"code": code, "state": state, "redirect_uri": _callback_url(request)},
            client=request.client.host if request.client else None,
        )
    except ProblemError as exc:
        key = "sso_refused" if exc.problem.status in (401, 422) else "sso_unavailable"
        return _failed(request, language, exc.problem.status, key)
    grant = read_token(runtime_of(request).signer, answer["sign_in_token"])
    if grant is None:
        return _failed(request, language, 400, "sso_refused")
    return await _open_session(request, grant, language)
