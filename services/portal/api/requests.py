"""A customer's request (issue 17): opened from our mail with its key, which is exchanged at
once for a cookie of that request's pages; read, reply with files, ask for a senior's review,
rate, consent to partners; and a new link for one who lost theirs."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from services.portal import i18n
from services.portal.outlook import outlook
from services.portal.web import (
    CsrfError,
    check_csrf,
    checked_form,
    client_of,
    page,
    redirect,
    secure,
    upstream_of,
)
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

# The key to one request, in a cookie of that request's pages only (its path): HttpOnly, so
# no script reads it; Lax, so the link from a mail program still opens it.
KEY_COOKIE = "sviftdesk_portal_key"
KEY_DAYS = 180
UPLOADS = re.compile(r"/requests/[^/]+/messages")
MAX_FILES = 10
# A request's address names it by number (SC-000042) or id: anything else (``..`` decoded
# from ``%2e%2e``) opens nothing, and never reaches intake as part of a path.
TICKET_REF = re.compile(r"[A-Za-z0-9-]{1,64}")
# The notice a finished action leaves on the page it returns to (?done=…).
DONE = ("replied", "escalated", "rated", "consent")


def home_of(number: str) -> str:
    return f"/requests/{quote(number, safe='')}"


def key_of(request: Request) -> str | None:
    return request.cookies.get(KEY_COOKIE) or None


@router.get("/requests/lost")
async def lost_form(request: Request) -> Response:
    return page(request, "lost_link.html.j2", personal=True, email="", errors={})


@router.post("/requests/lost")
async def lost_send(request: Request) -> Response:
    """The same answer whether or not the address wrote to us (intake's own answer is)."""
    form = await checked_form(request)
    email = form.get("email", "").strip()
    try:
        await upstream_of(request).call(
            "intake",
            "POST",
            "/v1/access-links",
            json={"email": email, "language": i18n.language_of(request)},
            client=client_of(request),
        )
    except ProblemError as exc:
        if exc.problem.status == 429:
            raise
        return page(
            request,
            "lost_link.html.j2",
            exc.problem.status,
            personal=True,
            email=email,
            errors={"email": _reason(request, exc.problem, "email")},
        )
    return page(request, "lost_link.html.j2", personal=True, email="", errors={}, sent=True)


@router.get("/requests/{ticket}")
async def show(request: Request, ticket: str) -> Response:
    given = request.query_params.get("key")
    if given is not None:
        return await _exchange(request, ticket, given)
    key = key_of(request)
    if key is None:
        return page(request, "request_locked.html.j2", 401, personal=True, reason="no_key")
    found = await _read(request, ticket, key)
    if found is None:
        return page(request, "request_locked.html.j2", 401, personal=True, reason="stale")
    done = request.query_params.get("done")
    return await _page(request, found, done=done if done in DONE else None)


async def _exchange(request: Request, ticket: str, key: str) -> Response:
    """The mailed key, for a cookie of this request's pages, and away from the address at
    once: it never stays in the address bar, the history or a Referer."""
    found = await _read(request, ticket, key) if 0 < len(key) <= 200 else None
    if found is None:
        return page(request, "request_locked.html.j2", 404, personal=True, reason="bad_link")
    return _opened(request, found["number"], key)


def _opened(request: Request, number: str, key: str, done: str | None = None) -> Response:
    """To the request's page, its key in a cookie of that page's path only."""
    home = home_of(number)
    response = redirect(f"{home}?done={done}#done" if done else home)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        KEY_COOKIE,
        key,
        max_age=KEY_DAYS * 24 * 3600,
        path=home,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )
    return response


async def _read(request: Request, ticket: str, key: str) -> dict[str, Any] | None:
    """The ticket as its customer sees it; None if the key does not open it (any more)."""
    if not TICKET_REF.fullmatch(ticket):
        return None
    try:
        found: dict[str, Any] = await upstream_of(request).json(
            "intake", "GET", f"/v1/tickets/{quote(ticket, safe='')}", key=key
        )
    except ProblemError as exc:
        if exc.problem.status in (401, 403, 404, 422):
            return None
        raise
    return found


async def _page(
    request: Request,
    ticket: dict[str, Any],
    status_code: int = 200,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    language = i18n.language_of(request)
    upstream, client = upstream_of(request), client_of(request)
    # What happens next, and an incident this request is part of (in words its customer is
    # mailed anyway, clause 23): independent calls, made at once.
    ahead, incidents = await asyncio.gather(
        outlook(upstream, ticket, language, client),
        upstream.json(
            "escalation",
            "GET",
            "/v1/incidents/in-progress",
            params={"ticket_id": ticket["id"]},
            client=client,
        ),
    )
    return page(
        request,
        "request.html.j2",
        status_code,
        personal=True,
        ticket=ticket,
        home=home_of(ticket["number"]),
        outlook=ahead,
        incidents=incidents or [],
        done=done,
        errors=errors or {},
        typed=typed or {},
    )


async def _own(request: Request, ticket: str) -> tuple[dict[str, Any], str] | Response:
    """The ticket and its key for an action on it; the locked page if the cookie opens none."""
    key = key_of(request)
    found = await _read(request, ticket, key) if key else None
    if found is None or key is None:
        return page(request, "request_locked.html.j2", 401, personal=True, reason="stale")
    return found, key


def _reason(request: Request, problem: Problem, field: str) -> str:
    """What the service said of this field (in the page's language where the portal words
    it), else its whole answer."""
    for name, reason in i18n.worded(problem, i18n.language_of(request)).fields.items():
        if name == field or name.endswith(f".{field}") or name.startswith(f"{field}"):
            return reason
    return problem.detail


async def _act(
    request: Request,
    ticket: str,
    form: dict[str, str],
    field: str,
    method: str,
    path: str,
    body: dict[str, Any],
    done: str,
) -> Response:
    """One action on the request, then back to its page with a notice; the service's
    refusal is shown next to ``field``, with what the customer typed kept."""
    owned = await _own(request, ticket)
    if isinstance(owned, Response):
        return owned
    found, key = owned
    try:
        await upstream_of(request).call(
            "intake",
            method,
            f"/v1/tickets/{found['id']}{path}",
            key=key,
            json=body,
            client=client_of(request),
        )
    except ProblemError as exc:
        if exc.problem.status in (401, 404):
            return page(request, "request_locked.html.j2", 401, personal=True, reason="stale")
        if exc.problem.status == 429:
            raise
        errors = {field: _reason(request, exc.problem, field)}
        return await _page(request, found, exc.problem.status, errors=errors, typed=form)
    return redirect(f"{home_of(found['number'])}?done={done}#done")


@router.post("/requests/{ticket}/escalation")
async def escalate(request: Request, ticket: str) -> Response:
    form = await checked_form(request)
    body = {"reason": form.get("reason", "")}
    return await _act(request, ticket, form, "reason", "POST", "/escalation", body, "escalated")


@router.post("/requests/{ticket}/rating")
async def rate(request: Request, ticket: str) -> Response:
    form = await checked_form(request)
    score = form.get("score", "")
    body: dict[str, Any] = {"score": int(score) if score.isdigit() else score}
    if form.get("comment", "").strip():
        body["comment"] = form["comment"]
    return await _act(request, ticket, form, "score", "POST", "/rating", body, "rated")


@router.post("/requests/{ticket}/consent")
async def consent(request: Request, ticket: str) -> Response:
    form = await checked_form(request)
    body = {"share_with_partners": form.get("share") == "yes"}
    return await _act(request, ticket, form, "share", "PUT", "/consent", body, "consent")


@router.post("/requests/{ticket}/messages")
async def reply(request: Request, ticket: str) -> Response:
    """A reply with files (multipart): the files go on to intake as they were spooled, never
    whole in memory."""
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=10)
    except MultiPartException:
        return page(request, "error.html.j2", 413, message_key="req_too_many_files")
    try:
        try:
            check_csrf(request, str(form.get("csrf") or ""))
            stale = False
        except CsrfError:
            stale = True
        owned = await _own(request, ticket)
        if isinstance(owned, Response):
            return owned
        found, key = owned
        text = str(form.get("body") or "")
        if stale:
            # A tab kept over a browser's restart (its token's cookie gone): the reply is
            # shown again to send, with a fresh token, not lost with the refusal.
            again = i18n.words(i18n.language_of(request))["qa_reply_again"]
            return await _page(request, found, 403, errors={"body": again}, typed={"body": text})
        files = [
            item
            for item in form.getlist("attachments")
            if isinstance(item, UploadFile) and item.filename
        ]
        try:
            answer = await _send_reply(request, found["id"], key, text, files)
        except ProblemError as exc:
            if exc.problem.status in (401, 404):
                return page(request, "request_locked.html.j2", 401, personal=True, reason="stale")
            if exc.problem.status == 429:
                raise
            field = "attachments" if "attachment" in str(exc.problem.fields) else "body"
            errors = {field: _reason(request, exc.problem, field)}
            return await _page(
                request, found, exc.problem.status, errors=errors, typed={"body": text}
            )
        follow_up = answer.get("ticket") if isinstance(answer, dict) else None
        if follow_up and follow_up.get("access_token"):
            # A closed request is final: the words started a new one, whose key is shown
            # this once; it opens the new request's pages from here on.
            return _opened(request, follow_up["number"], follow_up["access_token"], "replied")
        return redirect(f"{home_of(found['number'])}?done=replied#done")
    finally:
        await form.close()


async def _send_reply(
    request: Request, ticket_id: str, key: str, text: str, files: list[UploadFile]
) -> Any:
    """Intake's answer: the message, or the new ticket a reply to a closed one started."""
    path = f"/v1/tickets/{ticket_id}/messages"
    upstream = upstream_of(request)
    if not files:
        return await upstream.json(
            "intake", "POST", path, key=key, json={"body": text}, client=client_of(request)
        )
    parts = [
        (
            "attachments",
            (f.filename or "file", f.file, f.content_type or "application/octet-stream"),
        )
        for f in files
    ]
    return await upstream.json(
        "intake", "POST", path, key=key, data={"body": text}, files=parts, client=client_of(request)
    )


@router.get("/requests/{ticket}/attachments/{attachment_id}")
async def download(request: Request, ticket: str, attachment_id: uuid.UUID) -> Response:
    """The file, passed on from intake as it comes: always a download, never shown here."""
    key = key_of(request)
    if key is None:
        return page(request, "request_locked.html.j2", 401, personal=True, reason="no_key")
    if not TICKET_REF.fullmatch(ticket):
        return page(request, "not_found.html.j2", 404)
    client = upstream_of(request).client("intake")
    upstream_request = client.build_request(
        "GET",
        f"/v1/tickets/{quote(ticket, safe='')}/attachments/{attachment_id}",
        headers={"Authorization": f"Bearer {key}"},
    )
    answer = await client.send(upstream_request, stream=True)
    if answer.status_code != 200:
        await answer.aclose()
        return page(request, "not_found.html.j2", 404)
    headers = {
        name: answer.headers[name]
        for name in ("content-length", "content-disposition")
        if name in answer.headers
    }

    async def chunks() -> Any:
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        finally:
            await answer.aclose()

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={**headers, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
