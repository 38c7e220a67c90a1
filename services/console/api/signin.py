"""Signing in by a one-time link mailed by intake's staff records, and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n, sessions
from services.console.upstream import ProblemError
from services.console.web import (
    COOKIE,
    AgentDep,
    checked_form,
    form_of,
    page,
    redirect,
    runtime_of,
    upstream_of,
)
from shared.signin import read_token

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


@router.post("/sign-in/{token}")
async def sign_in(request: Request, token: str) -> Response:
    runtime = runtime_of(request)
    grant = read_token(runtime.signer, token)
    language = _language(request)
    if grant is None:
        return page(request, "sign_in.html.j2", language, 400, notice="invalid")
    try:
        cookie, agent = await sessions.start(
            runtime.db, grant, language=language, hours=runtime.settings.console_session_hours
        )
    except sessions.LinkRefusedError as exc:
        return page(request, "sign_in.html.j2", language, 400, notice=str(exc))
    response = redirect("/queue")
    response.set_cookie(
        COOKIE,
        cookie,
        expires=agent.expires_at,
        path="/",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.console_public_url.startswith("https://"),
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, agent: AgentDep) -> Response:
    await checked_form(request, agent)
    await sessions.end(runtime_of(request).db, request.cookies[COOKIE])
    response = redirect("/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/language")
async def choose_language(request: Request, agent: AgentDep) -> Response:
    form = await checked_form(request, agent)
    if form.get("language") in i18n.LANGUAGES:
        await sessions.set_language(
            runtime_of(request).db, request.cookies[COOKIE], form["language"]
        )
    back = form.get("back", "/queue")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/queue")
