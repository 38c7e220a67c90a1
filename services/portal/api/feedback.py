"""Feedback, suggestions (clauses 13, 27: intake's feedback API) and complaints (clause 14: a
request of the complaint category, which a senior reviews), each with its acknowledgement."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal import i18n
from services.portal.web import checked_form, client_of, page, upstream_of
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

KINDS = ("feedback", "suggestion")
FEEDBACK_FIELDS = ("kind", "text", "email")
COMPLAINT_FIELDS = ("customer.name", "customer.email", "subject", "body")


def _page(
    request: Request,
    *,
    which: str = "",
    values: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> HTMLResponse:
    problems = dict(i18n.worded(problem, i18n.language_of(request)).fields) if problem else {}
    general = None
    if problem is not None and problem.status != 429 and not problems:
        general = problem.detail
    return page(
        request,
        "feedback.html.j2",
        422 if problem else 200,
        personal=problem is not None,  # what they typed is theirs
        which=which,
        kinds=KINDS,
        values=values or {},
        problems=problems,
        general=general,
        too_many=problem is not None and problem.status == 429,
    )


@router.get("/feedback")
async def feedback_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/feedback")
async def leave_feedback(request: Request) -> HTMLResponse:
    form = await checked_form(request)
    values = {name: form.get(name, "").strip() for name in FEEDBACK_FIELDS}
    body: dict[str, str] = {
        "kind": values["kind"],
        "text": values["text"],
        "language": i18n.language_of(request),
    }
    if values["email"]:
        body["email"] = values["email"]
    try:
        await upstream_of(request).call(
            "intake", "POST", "/v1/feedback", json=body, client=client_of(request)
        )
    except ProblemError as refused:
        return _page(request, which="feedback", values=values, problem=refused.problem)
    return page(
        request,
        "feedback_done.html.j2",
        personal=True,  # it names their address
        kind=values["kind"],
        email=values["email"],
        ticket=None,
    )


@router.post("/complaint")
async def complain(request: Request) -> HTMLResponse:
    form = await checked_form(request)
    values = {name: form.get(name, "").strip() for name in COMPLAINT_FIELDS}
    body = {
        "channel": "web",
        "category": "complaint",
        "customer": {
            "name": values["customer.name"],
            "email": values["customer.email"],
            "language": i18n.language_of(request),
        },
        "subject": values["subject"],
        "body": values["body"],
    }
    try:
        created = await upstream_of(request).json(
            "intake", "POST", "/v1/tickets", json=body, client=client_of(request)
        )
    except ProblemError as refused:
        return _page(request, which="complaint", values=values, problem=refused.problem)
    return page(
        request,
        "feedback_done.html.j2",
        personal=True,
        kind="complaint",
        email=values["customer.email"],
        ticket=created,
    )
