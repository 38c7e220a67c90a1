"""The beta programme (clause 28): the link in our mail opens a page whose button joins or
leaves; the link itself changes nothing (mail scanners and link previews follow every link).
The notifier's beta API keeps the membership; the link's token is its proof."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal.web import checked_form, client_of, page, upstream_of
from shared.web.upstream import ProblemError

router = APIRouter(include_in_schema=False)

ACTIONS = ("opt-in", "opt-out")
TOKEN_CHARS = 1000


def _beta(
    request: Request, action: str, token: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    return page(
        request,
        "beta.html.j2",
        status_code,
        personal=True,  # the token is the customer's
        action=action,
        token=token,
        **context,
    )


@router.get("/beta")
async def about(request: Request) -> HTMLResponse:
    return _beta(request, "", "")


@router.get("/beta/{action}")
async def confirm(request: Request, action: str, token: str = "") -> HTMLResponse:
    if action not in ACTIONS:
        return page(request, "not_found.html.j2", 404)
    token = token[:TOKEN_CHARS]
    if not token:
        return _beta(request, "", "")
    try:
        # The notifier's own page for the link: asked only whether the token is good.
        await upstream_of(request).call(
            "notifier", "GET", f"/v1/beta/{action}", params={"token": token}
        )
    except ProblemError as refused:
        if refused.problem.status != 404:
            raise
        return _beta(request, action, "", 404, invalid=True)
    return _beta(request, action, token)


@router.post("/beta/{action}")
async def decide(request: Request, action: str) -> HTMLResponse:
    form = await checked_form(request)
    if action not in ACTIONS:
        return page(request, "not_found.html.j2", 404)
    token = form.get("token", "")[:TOKEN_CHARS]
    try:
        membership = await upstream_of(request).json(
            "notifier",
            "POST",
            f"/v1/beta/{action}",
            params={"token": token},
            client=client_of(request),  # its rate limit counts per browser
        )
    except ProblemError as refused:
        if refused.problem.status != 404:
            raise
        return _beta(request, action, "", 404, invalid=True)
    return _beta(request, action, "", done=True, opted_in=bool(membership["opted_in"]))
