"""The knowledge base (issue 16, clause 16): agents find, write, preview, publish and retire
articles, all through intake's articles API; intake decides who may do what and the console
shows its reasons.

Intake stores an article's body as Markdown; the preview renders it the safe way
(shared.markdown, the portal's own renderer), as a customer will read it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import i18n
from services.console.sessions import AgentSession
from services.console.web import (
    AgentDep,
    agent_page,
    checked_form,
    not_found,
    redirect,
    upstream_of,
)
from shared.markdown import render
from shared.web.upstream import Problem, ProblemError

router = APIRouter(include_in_schema=False)

STATUSES = ("draft", "published", "retired")
LANGUAGES = ("ru", "en")
PAGE_SIZE = 50
FIELDS = ("title", "language", "tags", "body")
# What a finished action says on the article's page (?done=…).
DONE = ("saved", "published", "retired")


def _tags(text: str) -> list[str]:
    """Tags as typed, one per comma; intake lower-cases them and drops repeats."""
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def _by_field(problem: Problem) -> Problem:
    """The problem with each field named as the form names it ("tags.3" is the tags box)."""
    fields: dict[str, str] = {}
    for name, reason in problem.fields.items():
        fields.setdefault(name.split(".")[0], reason)
    return Problem(problem.status, problem.detail, fields)


@router.get("/knowledge")
async def articles(
    request: Request,
    agent: AgentDep,
    q: str = "",
    status: str = "",
    language: str = "",
    offset: str = "0",
) -> Response:
    """Every article staff may see, the most recently changed first, or those intake's
    search finds (any form of a word), narrowed by status and language."""
    upstream = upstream_of(request)
    filters = {"status": status, "language": language}
    chosen = {name: value for name, value in filters.items() if value}
    found: list[dict[str, Any]] = []
    problem = None
    # Read here, not by FastAPI: a mangled address gets the page, not a JSON 422.
    start = int(offset) if offset.isdigit() else 0
    try:
        if q.strip():
            # Search's language orders (the reader's first); the filter keeps only it.
            found = await upstream.json(
                agent,
                "intake",
                "GET",
                "/v1/articles/search",
                params={"q": q, **chosen, "limit": PAGE_SIZE},
            )
            if language:
                found = [item for item in found if item["language"] == language]
        else:
            params = {**chosen, "limit": PAGE_SIZE, "offset": start}
            found = await upstream.json(agent, "intake", "GET", "/v1/articles", params=params)
    except ProblemError as exc:
        problem = _by_field(exc.problem)
    more = None
    if not q.strip() and len(found) == PAGE_SIZE:
        more = "/knowledge?" + urlencode({**chosen, "offset": start + PAGE_SIZE})
    return agent_page(
        request,
        agent,
        "knowledge.html.j2",
        articles=found,
        filters=filters,
        statuses=STATUSES,
        languages=LANGUAGES,
        problem=problem,
        more=more,
        # Not ``q``: that fills the header's box, which searches tickets.
        kb_q=q,
    )


async def _article(request: Request, agent: AgentSession, article_id: str) -> dict[str, Any] | None:
    """The article as staff see it; None if intake knows no article by this id."""
    try:
        found: dict[str, Any] = await upstream_of(request).json(
            agent, "intake", "GET", f"/v1/articles/{article_id}"
        )
    except ProblemError as exc:
        if exc.problem.status in (404, 422):
            return None
        raise
    return found


async def _article_page(
    request: Request,
    agent: AgentSession,
    article_id: str | None,
    *,
    typed: dict[str, str] | None = None,
    preview: bool = False,
    problem: Problem | None = None,
    done: str = "",
) -> Response:
    """The editor: a new article's (``article_id`` None) or one's, with what the agent typed
    kept, its facts and votes, the publish or retire action, and the customer's view of the
    text (what was typed when previewing, else what is saved)."""
    article: dict[str, Any] | None = None
    if article_id is not None:
        article = await _article(request, agent, article_id)
        if article is None:
            return not_found(request, agent)
    if typed is not None:
        kept = {name: typed.get(name, "") for name in FIELDS}
    elif article is not None:
        kept = {**{name: article[name] for name in FIELDS}, "tags": ", ".join(article["tags"])}
    else:
        kept = {"title": "", "language": agent.language, "tags": "", "body": ""}
    shown = kept if preview or article is None else article
    reader = str(shown.get("language")) if shown.get("language") in LANGUAGES else "ru"
    return agent_page(
        request,
        agent,
        "knowledge_article.html.j2",
        article=article,
        kept=kept,
        preview=preview,
        shown_title=shown.get("title", ""),
        shown_body=render(str(shown.get("body", ""))),
        shown_empty=not str(shown.get("body", "")).strip(),
        reader=reader,
        # The customer's view speaks the article's language, whatever the agent's is.
        reader_words=i18n.words(reader),
        problem=_by_field(problem) if problem else None,
        done=done if done in DONE else "",
        languages=LANGUAGES,
    )


@router.get("/knowledge/new")
async def new_article(request: Request, agent: AgentDep) -> Response:
    return await _article_page(request, agent, None)


@router.get("/knowledge/{article_id}")
async def article(request: Request, article_id: str, agent: AgentDep, done: str = "") -> Response:
    return await _article_page(request, agent, article_id, done=done)


async def _write(request: Request, agent: AgentSession, article_id: str | None) -> Response:
    """Preview what was typed, or save it (a new article as a draft); a refusal shows the
    form again with intake's reason beside the field and the agent's words kept."""
    form = await checked_form(request, agent)
    if form.get("action") == "preview":
        return await _article_page(request, agent, article_id, typed=form, preview=True)
    body: dict[str, Any] = {
        "title": form.get("title", ""),
        "language": form.get("language", ""),
        "tags": _tags(form.get("tags", "")),
        "body": form.get("body", ""),
    }
    upstream = upstream_of(request)
    try:
        if article_id is None:
            saved = await upstream.json(agent, "intake", "POST", "/v1/articles", json=body)
        else:
            path = f"/v1/articles/{article_id}"
            saved = await upstream.json(agent, "intake", "PATCH", path, json=body)
    except ProblemError as exc:
        if exc.problem.status == 404 and article_id is not None:
            return not_found(request, agent)
        return await _article_page(request, agent, article_id, typed=form, problem=exc.problem)
    return redirect(f"/knowledge/{saved['id']}?done=saved")


@router.post("/knowledge/new")
async def create(request: Request, agent: AgentDep) -> Response:
    return await _write(request, agent, None)


@router.post("/knowledge/{article_id}")
async def change(request: Request, article_id: str, agent: AgentDep) -> Response:
    return await _write(request, agent, article_id)


# The two status changes, each asked to be confirmed on a page of its own first.
ACTIONS = {"publish": "published", "retire": "retired"}


@router.get("/knowledge/{article_id}/{action}")
async def confirm(request: Request, article_id: str, action: str, agent: AgentDep) -> Response:
    if action not in ACTIONS:
        return not_found(request, agent)
    found = await _article(request, agent, article_id)
    if found is None:
        return not_found(request, agent)
    return agent_page(request, agent, "knowledge_confirm.html.j2", article=found, action=action)


@router.post("/knowledge/{article_id}/{action}")
async def act(request: Request, article_id: str, action: str, agent: AgentDep) -> Response:
    await checked_form(request, agent)
    if action not in ACTIONS:
        return not_found(request, agent)
    path = f"/v1/articles/{article_id}"
    try:
        await upstream_of(request).call(
            agent, "intake", "PATCH", path, json={"status": ACTIONS[action]}
        )
    except ProblemError as exc:
        if exc.problem.status == 404:
            return not_found(request, agent)
        return await _article_page(request, agent, article_id, problem=exc.problem)
    return redirect(f"/knowledge/{article_id}?done={ACTIONS[action]}")
