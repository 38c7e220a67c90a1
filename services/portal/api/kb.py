"""The knowledge base (clause 16): search, articles at stable readable addresses
(/kb/<id>-<slug>), and "did this help?". Everything is intake's articles API."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal import i18n
from services.portal.slugs import article_href, article_id_of
from services.portal.web import (
    YEAR_SECONDS,
    checked_form,
    client_of,
    page,
    redirect,
    secure,
    upstream_of,
)
from shared.markdown import render

router = APIRouter(include_in_schema=False)

# A reader's random id, so that their second answer to "did this help?" replaces the first.
VOTER_COOKIE = "sviftdesk_portal_voter"
RESULTS = 20
QUERY_CHARS = 200


def _listed(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**a, "href": article_href(a["id"], a["title"])} for a in found]


@router.get("/kb")
async def knowledge_base(request: Request, q: str = "") -> HTMLResponse:
    """With words: the articles that have them, in any form, the reader's language first;
    without: the latest articles in the reader's language."""
    query = q.strip()[:QUERY_CHARS]
    language = i18n.language_of(request)
    upstream = upstream_of(request)
    if query:
        found = await upstream.json(
            "intake",
            "GET",
            "/v1/articles/search",
            params={"q": query, "language": language, "limit": RESULTS},
            client=client_of(request),
        )
    else:
        found = await upstream.json(
            "intake",
            "GET",
            "/v1/articles",
            params={"language": language, "limit": RESULTS},
            client=client_of(request),
        )
    return page(request, "kb.html.j2", query=query, articles=_listed(found))


@router.get("/help/articles/{ref}")
async def mailed_article(request: Request, ref: str) -> Response:
    """The address our mail and intake's answers give an article (after SVIFTDESK_SITE_URL):
    sent on to its page here."""
    return await _article(request, ref, canonical_only=True)


@router.get("/kb/{ref}")
async def article(request: Request, ref: str) -> Response:
    return await _article(request, ref, canonical_only=False)


async def _article(request: Request, ref: str, *, canonical_only: bool) -> Response:
    article_id = article_id_of(ref)
    if article_id is None:
        return page(request, "not_found.html.j2", 404)
    found = await upstream_of(request).json(
        "intake", "GET", f"/v1/articles/{article_id}", client=client_of(request)
    )
    href = article_href(found["id"], found["title"])
    if canonical_only or request.url.path != href:
        # One address per article: an old slug (the title changed) still leads to it.
        return RedirectResponse(href, status_code=301)
    return page(
        request,
        "kb_article.html.j2",
        article=found,
        href=href,
        # shared.markdown: raw HTML shown as text, links only http(s) or relative, the
        # same renderer as the console's preview.
        body=render(found["body"]),
        voted=request.query_params.get("voted") in ("yes", "no"),
    )


@router.post("/kb/{ref}/vote")
async def vote(request: Request, ref: str) -> Response:
    form = await checked_form(request)
    article_id = article_id_of(ref)
    if article_id is None:
        return page(request, "not_found.html.j2", 404)
    voter = request.cookies.get(VOTER_COOKIE, "")
    try:
        uuid.UUID(voter)
    except ValueError:
        voter = str(uuid.uuid4())
    helpful = form.get("helpful") == "yes"
    await upstream_of(request).call(
        "intake",
        "POST",
        f"/v1/articles/{article_id}/votes",
        json={"helpful": helpful, "voter": voter},
        client=client_of(request),
    )
    found = await upstream_of(request).json(
        "intake", "GET", f"/v1/articles/{article_id}", client=client_of(request)
    )
    answer = "yes" if helpful else "no"
    response = redirect(f"{article_href(found['id'], found['title'])}?voted={answer}#vote")
    response.set_cookie(
        VOTER_COOKIE,
        voter,
        max_age=YEAR_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/kb",
    )
    return response
