"""What every portal page shares: templates, the language, CSRF for anonymous visitors, forms
and headers."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from services.portal import i18n
from services.portal.upstream import Upstream

# The page kit both web services share, under the names the portal's routes import.
from shared.web.pages import CSP as CSP
from shared.web.pages import DESK_ZONE as DESK_ZONE
from shared.web.pages import CsrfError as CsrfError
from shared.web.pages import form_of, templates_in
from shared.web.pages import redirect as redirect
from shared.web.pages import runtime_of as runtime_of

# A customer's page (their ticket, what they typed) is kept by no cache, the browser's
# included; the others may be kept but are checked again each time.
PERSONAL = {"Cache-Control": "no-store"}
PUBLIC = {"Cache-Control": "no-cache"}
# Every form carries a token signed from this cookie's random value (a signed double submit):
# a site that cannot read the cookie cannot make the token, and no session is needed for it.
CSRF_COOKIE = "sviftdesk_portal_csrf"
CSRF_PURPOSE = "portal-csrf"
YEAR_SECONDS = 365 * 24 * 3600

templates = templates_in(Path(__file__).parent / "templates")


def upstream_of(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


def secure(request: Request) -> bool:
    """Cookies are Secure where the portal is served over TLS (its public URL says https)."""
    return str(runtime_of(request).settings.public.portal_public_url).startswith("https://")


def csrf_token(request: Request) -> tuple[str, str | None]:
    """(the token for this page's forms, a new cookie value to set or None)."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    fresh = None
    if len(cookie) < 32:
        cookie = fresh = secrets.token_urlsafe(32)
    return runtime_of(request).signer.sign_value(CSRF_PURPOSE, cookie), fresh


def check_csrf(request: Request, given: str) -> None:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    signed = runtime_of(request).signer.verify_value(CSRF_PURPOSE, given or "")
    if not cookie or signed is None or not hmac.compare_digest(signed, cookie):
        raise CsrfError()


async def checked_form(request: Request) -> dict[str, str]:
    """The form, if it carries this browser's CSRF token; CsrfError otherwise."""
    form = await form_of(request)
    check_csrf(request, form.pop("csrf", ""))
    return form


def page(
    request: Request,
    name: str,
    status_code: int = 200,
    *,
    personal: bool = False,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language; ``personal``: never kept by any cache."""
    language = i18n.language_of(request)
    token, fresh = csrf_token(request)
    body = templates.get_template(name).render(
        request=request,
        t=i18n.words(language),
        language=language,
        csrf=token,
        other_language=switched(request, "en" if language == "ru" else "ru"),
        **context,
    )
    response = HTMLResponse(
        body,
        status_code=status_code,
        headers={"Content-Security-Policy": CSP, **(PERSONAL if personal else PUBLIC)},
    )
    remember(request, response, fresh)
    return response


def switched(request: Request, language: str) -> str:
    """This page in the other language: its address with ``lang`` set and the rest kept (a
    rating link's token), never a key; after a form's POST, the page it came from."""
    path = request.url.path
    if request.method != "GET":
        path = path.rsplit("/", 1)[0] if path.count("/") > 2 else path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "key")]
    return f"{path}?{urlencode([*kept, ('lang', language)])}"


def remember(request: Request, response: Response, csrf_cookie: str | None = None) -> None:
    """Set the cookies a page hands out: a new CSRF value, the language just chosen."""
    if csrf_cookie:
        response.set_cookie(
            CSRF_COOKIE,
            csrf_cookie,
            httponly=True,
            samesite="lax",
            secure=secure(request),
            path="/",
        )
    language = i18n.chosen(request)
    if language:
        response.set_cookie(
            i18n.COOKIE,
            language,
            max_age=YEAR_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure(request),
            path="/",
        )


def client_of(request: Request) -> str | None:
    """The browser's address, for the rate limits of the services the portal calls for it."""
    return request.client.host if request.client else None
