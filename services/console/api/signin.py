"""Signing in by a one-time link mailed by intake's staff records or by a password intake
checks, and signing out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n, sessions
from services.console.web import (
    COOKIE,
    LINK_COOKIE,
    AgentDep,
    CsrfError,
    checked_form,
    form_of,
    page,
    redirect,
    runtime_of,
    upstream_of,
)
from shared.signin import SignInGrant, read_token
from shared.web.upstream import ProblemError

router = APIRouter(include_in_schema=False)


def _language(request: Request) -> str:
    chosen = request.query_params.get("lang", "ru")
    return chosen if chosen in i18n.LANGUAGES else "ru"


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    notice = next((k for k in ("ended", "expired") if k in request.query_params), None)
    return page(request, "sign_in.html.j2", _language(request), notice=notice)


@router.post("/sign-in")
async def ask_for_link(request: Request) -> Response:
    """Intake mails the link if the address is a staff member's; the page says the same
    either way."""
    form = await form_of(request)
    language = form.get("language", "ru")
    language = language if language in i18n.LANGUAGES else "ru"
    email = form.get("email", "").strip()
    try:
        await upstream_of(request).call(
            None,
            "intake",
            "POST",
            "/v1/staff/sign-in-links",
            json={"email": email, "language": language},
            client=request.client.host if request.client else None,
        )
    except ProblemError as exc:
        return page(
            request,
            "sign_in.html.j2",
            language,
            status_code=exc.problem.status,
            error=exc.problem.fields.get("email") or exc.problem.detail,
            email=email,
        )
    return page(request, "sign_in.html.j2", language, sent=True)


@router.get("/sign-in/{token}")
async def confirm_page(request: Request, token: str) -> Response:
    """Opening the link changes nothing (mail scanners open links): its button signs in."""
    return page(request, "confirm.html.j2", _language(request), token=token)


def _check_origin(request: Request) -> None:
    """A form posted from another site is refused: no page elsewhere may sign a browser in
    to someone's account (there is no session yet, so no CSRF token to check). Browsers say
    where a request comes from in Sec-Fetch-Site; older ones in Origin (``null`` under the
    pages' no-referrer policy, which tells nothing)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise CsrfError()
        return
    origin = request.headers.get("origin")
    if origin in (None, "null"):
        return
    public = urlsplit(runtime_of(request).settings.public.console_public_url)
    own = {f"{public.scheme}://{public.netloc}", f"{request.url.scheme}://{request.url.netloc}"}
    if origin not in own:
        raise CsrfError()


@router.post("/sign-in/password")
async def sign_in_with_password(request: Request) -> Response:
    """Intake checks the password and answers with a one-time grant, as a mailed link would
    carry; a refusal is shown next to the password, the address kept."""
    _check_origin(request)
    form = await form_of(request)
    language = form.get("language", "ru")
    language = language if language in i18n.LANGUAGES else "ru"
    email, password = form.get("email", "").strip(), form.get("password", "")
    if not password:
        missing = i18n.words(language)["pwd_missing"]
        return page(request, "sign_in.html.j2", language, 422, email=email, password_error=missing)
    try:
        answer = await upstream_of(request).json(
            None,
            "intake",
            "POST",
            "/v1/staff/sign-in/password",
            json={"email": email, "password": password},
            client=request.client.host if request.client else None,
        )
    except ProblemError as exc:
        # One refusal for every wrong address or password, in the agent's words; anything
        # else (too many tries) as intake says it, next to the field it names.
        email_error = exc.problem.fields.get("email")
        password_error: str | None
        if exc.problem.status == 401:
            password_error = i18n.words(language)["pwd_refused"]
        else:
            password_error = None if email_error else exc.problem.detail
        return page(
            request,
            "sign_in.html.j2",
            language,
            status_code=exc.problem.status,
            email=email,
            error=email_error,
            password_error=password_error,
        )
    grant = read_token(runtime_of(request).signer, answer["sign_in_token"])
    if grant is None:
        return page(request, "sign_in.html.j2", language, 400, notice="invalid")
    return await _open_session(request, grant, language)


@router.post("/sign-in/{token}")
async def sign_in(request: Request, token: str) -> Response:
    _check_origin(request)
    grant = read_token(runtime_of(request).signer, token)
    language = _language(request)
    if grant is None:
        return page(request, "sign_in.html.j2", language, 400, notice="invalid")
    return await _open_session(request, grant, language, link=token)


async def _open_session(
    request: Request, grant: SignInGrant, language: str, *, link: str | None = None
) -> Response:
    """A session from a grant (once), its cookie, and on to the queue. A mailed ``link``
    is also kept, for the account page, while it has not expired: it proves the agent just
    read their mail, which lets them choose a new password without the current one."""
    runtime = runtime_of(request)
    try:
        cookie, agent = await sessions.start(
            runtime.db, grant, language=language, hours=runtime.settings.auth.console_session_hours
        )
    except sessions.LinkRefusedError as exc:
        return page(request, "sign_in.html.j2", language, 400, notice=str(exc))
    response = redirect("/queue")
    secure = runtime.settings.public.console_public_url.startswith("https://")
    response.set_cookie(
        COOKIE,
        cookie,
        expires=agent.expires_at,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    if link is None:
        response.delete_cookie(LINK_COOKIE, path="/account")
    else:
        response.set_cookie(
            LINK_COOKIE,
            link,
            expires=grant.expires_at,
            path="/account",
            httponly=True,
            samesite="strict",
            secure=secure,
        )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, agent: AgentDep) -> Response:
    await checked_form(request, agent)
    await sessions.end(runtime_of(request).db, request.cookies[COOKIE])
    response = redirect("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(LINK_COOKIE, path="/account")
    return response


@router.post("/language")
async def choose_language(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    if form.get("language") in i18n.LANGUAGES:
        await sessions.set_language(
            runtime_of(request).db, request.cookies[COOKIE], form["language"]
        )
    back = form.get("back", "/queue")
    # Only a page of ours: browsers read "/\\evil.example" and "/\t/evil.example" as
    # "//evil.example", another site.
    own = back.startswith("/") and not back.startswith("//") and "\\" not in back
    own = own and back.isprintable()
    return redirect(back if own else "/queue")
