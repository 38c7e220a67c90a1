"""File a request (clause 4): the web form with its attachments and category, articles that may
answer it as the customer types (clause 16), the hours and what to expect (clauses 1, 2, 10),
and the acknowledgement. Also chromeless, for a frame on the company's site."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.formparsers import MultiPartException

from services.portal import i18n
from services.portal.relay import FormRelay, RelayError, boundary_of
from services.portal.slugs import article_href
from services.portal.web import (
    CSP,
    DESK_ZONE,
    CsrfError,
    check_csrf,
    client_of,
    page,
    runtime_of,
    upstream_of,
)
from shared.web.upstream import Problem, ProblemError, problem_of

router = APIRouter(include_in_schema=False)

# What a customer may choose; the others (partner issues, individual solutions) are the desk's.
CATEGORIES = (
    "question",
    "bug",
    "complaint",
    "feedback",
    "suggestion",
    "onboarding",
    "testing_help",
    "other",
)
FIELDS = ("customer.name", "customer.email", "subject", "body", "category")
# Clause 2: the first answer within 24 business hours.
FIRST_ANSWER_MINUTES = 24 * 60
SUGGESTIONS = 3
QUERY_CHARS = 200


# The form's posts may carry files up to intake's own bound (and its text fields): the
# portal's body limit must not be the tighter one (app.py).
UPLOADS = re.compile(r"/(embed/)?new")


def framed_csp(request: Request) -> str:
    """The page's policy, but framable by the company's site (SVIFTDESK_SITE_URL) alone."""
    origin = str(runtime_of(request).settings.public.site_url).rstrip("/")
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {origin}")


def _form(
    request: Request,
    *,
    embed: bool,
    values: dict[str, str] | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    values = dict(values or {})
    if "category" not in values and request.query_params.get("category") in CATEGORIES:
        values["category"] = request.query_params["category"]
    problems = dict(i18n.worded(problem, i18n.language_of(request)).fields) if problem else {}
    # A file's problem is named after its place (attachments.0): shown at the file input.
    for name in list(problems):
        if name.startswith("attachments.") and "attachments" not in problems:
            problems["attachments"] = problems[name]
    shown = {*FIELDS, "attachments"}
    general = None
    if problem is not None and not shown & set(problems):
        general = problem.detail
    response = page(
        request,
        "file.html.j2",
        status_code,
        personal=True,  # what they typed is theirs
        layout="embed.html.j2" if embed else "base.html.j2",
        action="/embed/new" if embed else "/new",
        attempt=str(uuid.uuid4()),
        categories=CATEGORIES,
        values=values,
        problems=problems,
        general=general,
        too_many=problem is not None and problem.status == 429,
    )
    if embed:
        response.headers["Content-Security-Policy"] = framed_csp(request)
    return response


@router.get("/new")
async def new(request: Request) -> HTMLResponse:
    return _form(request, embed=False)


@router.get("/embed/new")
async def new_embedded(request: Request) -> HTMLResponse:
    return _form(request, embed=True)


@router.post("/new")
async def file(request: Request) -> HTMLResponse:
    return await _file(request, embed=False)


@router.post("/embed/new")
async def file_embedded(request: Request) -> HTMLResponse:
    return await _file(request, embed=True)


async def _file(request: Request, *, embed: bool) -> HTMLResponse:
    # The token rides in the form's address: the body goes on to intake as it arrives, so it
    # must be checked before the first byte is read. It is worthless without the cookie.
    try:
        check_csrf(request, request.query_params.get("csrf", ""))
    except CsrfError:
        return await _typed_again(request, embed=embed)
    boundary = boundary_of(request.headers.get("content-type", ""))
    if boundary is None:
        return _form(request, embed=embed, problem=Problem(400, "body", {}), status_code=400)
    relay = FormRelay(boundary, FIELDS)
    attempt = request.query_params.get("attempt", "")
    try:
        created = await _send(request, relay, attempt, embed=embed)
    except ProblemError as refused:
        status = 422 if refused.problem.status < 500 else refused.problem.status
        return _form(
            request, embed=embed, values=relay.fields, problem=refused.problem, status_code=status
        )
    except RelayError as bad:
        problem = Problem(400, bad.reason, {bad.field: bad.reason})
        return _form(request, embed=embed, values=relay.fields, problem=problem, status_code=400)
    response = page(
        request,
        "file_done.html.j2",
        personal=True,
        layout="embed.html.j2" if embed else "base.html.j2",
        ticket=created,
        email=relay.fields.get("customer.email", ""),
        answer_by=due_words(request, await _answer_by(request, created["received_at"])),
        articles=[
            {"href": article_href(a["id"], a["title"]), **a}
            for a in created.get("suggested_articles") or []
        ],
    )
    if embed:
        response.headers["Content-Security-Policy"] = framed_csp(request)
    return response


async def _typed_again(request: Request, *, embed: bool) -> HTMLResponse:
    """A form refused for its token (the browser lost its cookie: restarted with the tab
    kept, say) is shown again as it was typed, with a fresh token; only files are lost."""
    values: dict[str, str] = {}
    try:
        # The files are read past (spooled, then dropped): only the typed fields are shown.
        form = await request.form(max_files=20, max_fields=len(FIELDS) + 5)
    except MultiPartException:
        form = None
    if form is not None:
        values = {name: value for name in FIELDS if isinstance(value := form.get(name), str)}
        await form.close()
    again = i18n.words(i18n.language_of(request))["qa_csrf_again"]
    return _form(request, embed=embed, values=values, problem=Problem(403, again), status_code=403)


async def _send(request: Request, relay: FormRelay, attempt: str, *, embed: bool) -> dict[str, Any]:
    language = i18n.language_of(request)

    async def body() -> AsyncIterator[bytes]:
        # The web channel and the page's language go first: the form has no inputs for them.
        for name, value in (("channel", "web"), ("customer.language", language)):
            yield (
                f'--{relay.boundary.decode()}\r\nContent-Disposition: form-data; name="{name}"'
                f"\r\n\r\n{value}\r\n"
            ).encode()
        async for chunk in relay.stream(request.stream()):
            yield chunk

    headers = upstream_of(request).headers(None, client_of(request))
    headers["Content-Type"] = relay.content_type
    # One form shown, one ticket: a second press, or a reload of the answer, files no other.
    if 0 < len(attempt) <= 64 and attempt.replace("-", "").isalnum():
        headers["Idempotency-Key"] = f"portal-{attempt}"
    response = (
        await upstream_of(request)
        .client("intake")
        .post("/v1/tickets", content=body(), headers=headers)
    )
    if response.status_code >= 400:
        raise ProblemError(problem_of(response))
    created: dict[str, Any] = response.json()
    return created


async def _answer_by(request: Request, received_at: str) -> datetime | None:
    """When the first answer is due (clause 2, in business hours: clause 10), or None if the
    calendar cannot be asked just now (the page says the rule instead)."""
    try:
        due = await upstream_of(request).json(
            "sla",
            "POST",
            "/v1/calendar/add",
            json={"start": received_at, "minutes": FIRST_ANSWER_MINUTES},
        )
    except (ProblemError, httpx.HTTPError):
        return None
    return datetime.fromisoformat(due["end"])


def due_words(request: Request, moment: datetime | None) -> str | None:
    """ "Tuesday, 08.12.2026, 15:00" in Moscow time (clause 1: the desk's clock)."""
    if moment is None:
        return None
    local = moment.astimezone(DESK_ZONE)
    day = i18n.words(i18n.language_of(request))["file_weekdays"].split(",")[local.weekday()]
    return f"{day}, {local:%d.%m.%Y %H:%M}"


@router.get("/new/suggest")
async def suggest(request: Request) -> HTMLResponse:
    """Articles that may answer what is typed so far (htmx swaps them in beside the form)."""
    words = " ".join(request.query_params.get(name, "") for name in ("subject", "body")).split()
    query = " ".join(words)[:QUERY_CHARS].strip()
    found: list[dict[str, Any]] = []
    if query:
        try:
            found = await upstream_of(request).json(
                "intake",
                "GET",
                "/v1/articles/search",
                params={"q": query, "language": i18n.language_of(request), "limit": SUGGESTIONS},
                client=client_of(request),
            )
        except ProblemError:
            found = []  # a hint, not the page: a refusal shows nothing
    articles = [{"href": article_href(a["id"], a["title"]), **a} for a in found]
    return page(request, "file_suggestions.html.j2", articles=articles)
