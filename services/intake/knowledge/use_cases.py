"""The knowledge base (clause 16): articles staff write, anyone reads once published, search
in Russian and English, "Did this help?" votes, and the suggestions a new ticket gets.

Drafts and retired articles are staff's alone: to anyone else they do not exist (404), and
search never shows them to them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain import knowledge
from services.intake.domain.callers import Caller
from services.intake.domain.knowledge import ArticleStatus
from services.intake.knowledge import queries
from services.intake.knowledge.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleSummaryOut,
    ArticleUpdate,
    VoteOut,
)
from shared.auth import Principal
from shared.contracts.api import article_path
from shared.contracts.events import ArticleSuggestion, Language
from shared.errors import NotFoundError, UnprocessableError
from shared.runtime import ServiceRuntime

PUBLISHED = (ArticleStatus.published.value,)
# SQLite: how many FTS5 matches (the reader's language first) are read and ranked here.
SQLITE_CANDIDATES = 100
ANY_STATUS = tuple(status.value for status in ArticleStatus)

# Filing a ticket is the hot path: while a database is known to hold no published article,
# the search is skipped. Known per database (by URL) for NO_ARTICLES_SECONDS; this process's
# own writes update it at once, another replica's publishing is seen within that time.
NO_ARTICLES_SECONDS = 30.0
_published_seen: dict[str, tuple[bool, float]] = {}


class ArticleNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such article, or it is not published.")


class NothingToSearchError(UnprocessableError):
    def __init__(self) -> None:
        super().__init__(
            "q: has no words to search for (letters or digits, two or more, not only words "
            "like «и» or 'the').",
            errors=[{"field": "q", "reason": "no words to search for"}],
        )


def _parse_id(article_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(article_id)
    except ValueError:
        raise ArticleNotFoundError() from None


def _url(runtime: ServiceRuntime, article_id: uuid.UUID) -> str:
    return runtime.settings.site_url.rstrip("/") + article_path(article_id)


def _visible_statuses(caller: Caller) -> tuple[str, ...]:
    return ANY_STATUS if caller.is_staff else PUBLISHED


def _article_out(runtime: ServiceRuntime, row: Row[Any]) -> ArticleOut:
    return ArticleOut(
        id=row.id,
        language=row.language,
        title=row.title,
        body=row.body,
        tags=row.tags,
        status=row.status,
        url=_url(runtime, row.id),
        helpful_votes=row.helpful_votes,
        unhelpful_votes=row.unhelpful_votes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def _summary_out(runtime: ServiceRuntime, row: Row[Any]) -> ArticleSummaryOut:
    return ArticleSummaryOut(
        id=row.id,
        language=row.language,
        title=row.title,
        snippet=knowledge.snippet(row.body),
        tags=row.tags,
        status=row.status,
        url=_url(runtime, row.id),
        helpful_votes=row.helpful_votes,
        unhelpful_votes=row.unhelpful_votes,
        updated_at=row.updated_at,
    )


def _database_key(runtime: ServiceRuntime) -> str:
    return runtime.db.engine.url.render_as_string(hide_password=True)


def _note_published(runtime: ServiceRuntime, published: bool | None) -> None:
    """Remember whether published articles exist (None: no longer known, ask next time)."""
    key = _database_key(runtime)
    if published is None:
        _published_seen.pop(key, None)
    else:
        _published_seen[key] = (published, time.monotonic())


async def _index(
    runtime: ServiceRuntime, session: AsyncSession, row: Row[Any], *, changed: bool = True
) -> None:
    """SQLite's FTS5 table is kept by hand (PostgreSQL's generated column keeps itself)."""
    if changed and not runtime.db.is_postgres:
        await queries.index_article(
            session,
            row.id,
            title=knowledge.stemmed(row.title),
            tags=knowledge.stemmed(" ".join(row.tags)),
            body=knowledge.stemmed(knowledge.plain_text(row.body)),
        )


async def create_article(
    runtime: ServiceRuntime, request: ArticleCreate, author: Principal
) -> ArticleOut:
    now = datetime.now(UTC)
    published = request.status is ArticleStatus.published
    async with runtime.db.transaction() as session:
        row = await queries.add_article(
            session,
            id=uuid.uuid4(),
            language=request.language,
            title=request.title,
            body=request.body,
            tags=list(dict.fromkeys(request.tags)),
            status=request.status,
            author_id=author.subject,
            created_at=now,
            updated_at=now,
            published_at=now if published else None,
        )
        await _index(runtime, session, row)
    if published:
        _note_published(runtime, True)
    return _article_out(runtime, row)


async def update_article(
    runtime: ServiceRuntime, article_id: str, request: ArticleUpdate
) -> ArticleOut:
    """Change what the request gives; publishing stamps ``published_at`` (again after an
    unpublish), unpublishing (back to a draft, or retired) hides it from all but staff."""
    parsed = _parse_id(article_id)
    changes: dict[str, Any] = request.model_dump(exclude_unset=True)
    if "tags" in changes:
        changes["tags"] = list(dict.fromkeys(changes["tags"]))
    async with runtime.db.transaction() as session:
        current = await queries.get_article(session, parsed)
        if current is None:
            raise ArticleNotFoundError()
        if not changes:
            return _article_out(runtime, current)
        now = datetime.now(UTC)
        publishing = changes.get("status") == ArticleStatus.published
        if publishing and current.status != ArticleStatus.published:
            changes["published_at"] = now
        row = await queries.update_article(session, parsed, updated_at=now, **changes)
        assert row is not None
        await _index(
            runtime, session, row, changed=bool({"title", "tags", "body"} & changes.keys())
        )
    if "status" in changes:
        _note_published(runtime, True if row.status == ArticleStatus.published else None)
    return _article_out(runtime, row)


async def delete_article(runtime: ServiceRuntime, article_id: str) -> None:
    parsed = _parse_id(article_id)
    async with runtime.db.transaction() as session:
        if not await queries.delete_article(session, parsed):
            raise ArticleNotFoundError()
        if not runtime.db.is_postgres:
            await queries.unindex_article(session, parsed)
    _note_published(runtime, None)


async def read_article(runtime: ServiceRuntime, article_id: str, caller: Caller) -> ArticleOut:
    parsed = _parse_id(article_id)
    async with runtime.db.sessions() as session:
        row = await queries.get_article(session, parsed)
    if row is None or row.status not in _visible_statuses(caller):
        raise ArticleNotFoundError()
    return _article_out(runtime, row)


async def list_articles(
    runtime: ServiceRuntime,
    caller: Caller,
    *,
    language: Language | None,
    status: ArticleStatus | None,
    limit: int,
    offset: int,
) -> list[ArticleSummaryOut]:
    """The most recently changed first. Only staff see drafts; asked by anyone else for
    drafts, the list is empty."""
    statuses = _visible_statuses(caller)
    if status is not None:
        statuses = tuple(s for s in statuses if s == status)
    async with runtime.db.sessions() as session:
        rows = await queries.articles(
            session, statuses=statuses, language=language, limit=limit, offset=offset
        )
    return [_summary_out(runtime, row) for row in rows]


async def _search(
    runtime: ServiceRuntime,
    session: AsyncSession,
    terms: Sequence[str],
    *,
    statuses: tuple[str, ...],
    language: Language | None,
    limit: int,
) -> list[tuple[Row[Any], float]]:
    """Matching articles with their scores, in ``language`` first, then best first."""
    if runtime.db.is_postgres:
        rows = await queries.search_articles(
            session,
            match=knowledge.tsquery_text(terms),
            postgres=True,
            statuses=statuses,
            language=language,
            limit=limit,
        )
        return [(row, float(row.score)) for row in rows]
    stems = knowledge.stems_of(terms)
    candidates = await queries.search_articles(
        session,
        match=knowledge.fts5_query(stems),
        postgres=False,
        statuses=statuses,
        language=language,
        limit=max(limit, SQLITE_CANDIDATES),
    )

    scored = [
        (
            row,
            knowledge.rank(
                stems, title=row.stemmed_title, tags=row.stemmed_tags, body=row.stemmed_body
            ),
        )
        for row in candidates
    ]

    def order(item: tuple[Row[Any], float]) -> tuple[bool, float, str]:
        row, score = item
        return (language is not None and row.language != language, -score, str(row.id))

    return sorted(scored, key=order)[:limit]


async def search(
    runtime: ServiceRuntime,
    q: str,
    caller: Caller,
    *,
    language: Language | None,
    status: ArticleStatus | None = None,
    limit: int,
) -> list[ArticleSummaryOut]:
    """Articles with any of the words of ``q`` in any of their forms, ranked (more words and
    title matches first), in ``language`` first when it is given; only those of ``status``
    when it is given (anyone but staff asking for drafts finds nothing)."""
    terms = knowledge.query_terms(q)
    if not terms:
        raise NothingToSearchError()
    statuses = _visible_statuses(caller)
    if status is not None:
        statuses = tuple(s for s in statuses if s == status)
    if not statuses:
        return []
    async with runtime.db.sessions() as session:
        found = await _search(
            runtime,
            session,
            terms,
            statuses=statuses,
            language=language,
            limit=limit,
        )
    return [_summary_out(runtime, row) for row, _ in found]


async def vote(
    runtime: ServiceRuntime, article_id: str, *, helpful: bool, voter: uuid.UUID | None
) -> VoteOut:
    """Count an answer to "Did this help?"; anyone may answer, on a published article, and a
    reader who gives their voter id counts once: a changed answer moves their vote."""
    parsed = _parse_id(article_id)
    async with runtime.db.transaction() as session:
        if not await queries.lock_article(session, parsed, status=ArticleStatus.published):
            raise ArticleNotFoundError()
        previous = None
        if voter is not None:
            previous = await queries.record_vote(
                session, parsed, voter, helpful=helpful, at=datetime.now(UTC)
            )
        row = await queries.count_vote(session, parsed, helpful=helpful, previous=previous)
    return VoteOut(id=row.id, helpful_votes=row.helpful_votes, unhelpful_votes=row.unhelpful_votes)


async def suggest(
    runtime: ServiceRuntime, subject: str, body: str, language: Language
) -> list[ArticleSuggestion]:
    """Up to three published articles that match a new ticket, in its language first.

    At most one indexed query, none while the database is known to hold no published article
    (checked again every NO_ARTICLES_SECONDS).
    """
    key = _database_key(runtime)
    published, seen_at = _published_seen.get(key, (True, -NO_ARTICLES_SECONDS))
    fresh = time.monotonic() - seen_at < NO_ARTICLES_SECONDS
    if fresh and not published:
        return []
    terms = knowledge.ticket_terms(subject, body)
    if not terms:
        return []
    async with runtime.db.sessions() as session:
        if not fresh:
            published = await queries.any_article(session, ArticleStatus.published)
            _note_published(runtime, published)
            if not published:
                return []
        found = await _search(
            runtime,
            session,
            terms,
            statuses=PUBLISHED,
            language=language,
            limit=knowledge.SUGGESTIONS,
        )
    return [
        ArticleSuggestion(
            id=row.id,
            title=row.title,
            language=row.language,
            snippet=knowledge.snippet(row.body),
        )
        for row in knowledge.relevant(found)
    ]
