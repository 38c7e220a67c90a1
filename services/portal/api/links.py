"""The pages behind the signed links in our mail that are not the customer's key: the resolved
mail's rating links (clause 13); the beta programme's are in beta.py.
Opening one changes nothing (mail scanners follow every link); its button does."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.upstream import Upstream
from services.portal.web import checked_form, client_of, page, upstream_of

router = APIRouter(include_in_schema=False)
SCORES = (1, 2, 3, 4, 5)


@router.get("/ratings/{ticket_id}")
async def rating_page(request: Request, ticket_id: uuid.UUID, token: str = "") -> Response:
    chosen = request.query_params.get("score", "")
    score = int(chosen) if chosen.isdigit() and int(chosen) in SCORES else None
    # Intake's own page checks the link (and changes nothing): a forged one is told at once.
    checked = (
        await upstream_of(request)
        .client("intake")
        .get(f"/v1/tickets/{ticket_id}/rating/page", params={"token": token})
    )
    if checked.status_code != 200:
        return page(request, "rating.html.j2", 404, personal=True, outcome="rate_bad_link")
    return page(
        request, "rating.html.j2", personal=True, token=token, score=score, comment="", errors={}
    )


@router.post("/ratings/{ticket_id}")
async def rate(request: Request, ticket_id: uuid.UUID, token: str = "") -> Response:
    form = await checked_form(request)
    score, comment = form.get("score", ""), form.get("comment", "")
    fields = {"score": score, **({"comment": comment} if comment.strip() else {})}
    answer = (
        await upstream_of(request)
        .client("intake")
        .post(
            f"/v1/tickets/{ticket_id}/rating/page?{urlencode({'token': token})}",
            data=fields,
            headers=Upstream.headers(None, client_of(request)),
        )
    )
    # Intake's own page answers in HTML: its status says what happened.
    outcome = {200: "rate_saved", 404: "rate_bad_link", 409: "rate_refused"}.get(answer.status_code)
    if answer.status_code == 422:
        return page(
            request,
            "rating.html.j2",
            422,
            personal=True,
            token=token,
            score=None,
            comment=comment,
            errors={"score": "rate_choose"},
        )
    if answer.status_code == 429:
        return page(request, "error.html.j2", 429, message_key="too_many")
    return page(
        request,
        "rating.html.j2",
        answer.status_code if outcome else 502,
        personal=True,
        outcome=outcome or "error",
    )
