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

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from services.intake.domain import knowledge
from services.intake.domain.callers import Caller
from services.intake.domain.knowledge import ArticleStatus
from services.intake.knowledge import queries
from services.intake.knowledge.queries import ArticleRecord
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
from shared.logging import current_correlation_id
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork

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
    return runtime.settings.public.site_url.rstrip("/") + article_path(article_id)


def _visible_statuses(caller: Caller) -> tuple[str, ...]:
    return ANY_STATUS if caller.is_staff else PUBLISHED


def _article_out(runtime: ServiceRuntime, row: ArticleRecord) -> ArticleOut:
    return ArticleOut(
        id=row.id,
        language=Language(row.language),
        title=row.title,
        body=row.body,
        tags=row.tags,
        status=ArticleStatus(row.status),
        url=_url(runtime, row.id),
        helpful_votes=row.helpful_votes,
        unhelpful_votes=row.unhelpful_votes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def _summary_out(runtime: ServiceRuntime, row: ArticleRecord) -> ArticleSummaryOut:
    return ArticleSummaryOut(
        id=row.id,
        language=Language(row.language),
        title=row.title,
        snippet=knowledge.snippet(row.body),
        tags=row.tags,
        status=ArticleStatus(row.status),
        url=_url(runtime, row.id),
        helpful_votes=row.helpful_votes,
        unhelpful_votes=row.unhelpful_votes,
        updated_at=row.updated_at,
    )


def _is_postgres(uow: UnitOfWork) -> bool:
    return uow.session.get_bind().dialect.name == "postgresql"


def _database_key(uow: UnitOfWork) -> str:
    return _engine_key(uow.session.get_bind().engine)


def _engine_key(engine: Engine | AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _note_published(key: str, published: bool | None) -> None:
    """Remember whether published articles exist (None: no longer known, ask next time)."""
    if published is None:
        _published_seen.pop(key, None)
    else:
        _published_seen[key] = (published, time.monotonic())


def _note_published_on_commit(uow: UnitOfWork, published: bool | None) -> None:
    """Note it once the unit commits: what a reader then finds is what was noted."""
    key = _database_key(uow)

    def committed(_session: Session) -> None:
        _note_published(key, published)

    event.listen(uow.session.sync_session, "after_commit", committed, once=True)


async def _index(uow: UnitOfWork, row: ArticleRecord, *, changed: bool = True) -> None:
    """SQLite's FTS5 table is kept by hand (PostgreSQL's generated column keeps itself)."""
    if changed and not _is_postgres(uow):
        await queries.index_article(
            uow.session,
            row.id,
            title=knowledge.stemmed(row.title),
            tags=knowledge.stemmed(" ".join(row.tags)),
            body=knowledge.stemmed(knowledge.plain_text(row.body)),
        )


async def create_article(
    uow: UnitOfWork, runtime: ServiceRuntime, request: ArticleCreate, author: Principal
) -> ArticleOut:
    now = datetime.now(UTC)
    published = request.status is ArticleStatus.published
    row = await queries.add_article(
        uow.session,
        id=uuid.uuid4(),
        language=request.language,
        title=request.title,
        body=request.body,
        tags=list(dict.fromkeys(request.tags)),
        status=request.status,
        author_id=author.subject,
        created_at=now,
        published_at=now if published else None,
    )
    await _index(uow, row)
    if published:
        _note_published_on_commit(uow, True)
    return _article_out(runtime, row)


async def update_article(
    uow: UnitOfWork, runtime: ServiceRuntime, article_id: str, request: ArticleUpdate
) -> ArticleOut:
    """Change what the request gives; publishing stamps ``published_at`` (again after an
    unpublish), unpublishing (back to a draft, or retired) hides it from all but staff."""
    parsed = _parse_id(article_id)
    given = request.model_fields_set
    current = await queries.get_article(uow.session, parsed)
    if current is None:
        raise ArticleNotFoundError()
    if not given:
        return _article_out(runtime, current)
    now = datetime.now(UTC)
    publishing = request.status is ArticleStatus.published
    changes = queries.ArticleChanges(
        updated_at=now,
        language=request.language if "language" in given else None,
        title=request.title if "title" in given else None,
        body=request.body if "body" in given else None,
        tags=list(dict.fromkeys(request.tags)) if "tags" in given else None,
        status=request.status if "status" in given else None,
        published_at=now if publishing and current.status != ArticleStatus.published else None,
    )
    row = await queries.update_article(uow.session, parsed, changes)
    assert row is not None
    await _index(uow, row, changed=bool({"title", "tags", "body"} & given))
    if "status" in given:
        _note_published_on_commit(uow, True if row.status == ArticleStatus.published else None)
    return _article_out(runtime, row)


async def delete_article(uow: UnitOfWork, article_id: str) -> None:
    parsed = _parse_id(article_id)
    if not await queries.delete_article(uow.session, parsed):
        raise ArticleNotFoundError()
    if not _is_postgres(uow):
        await queries.unindex_article(uow.session, parsed)
    _note_published_on_commit(uow, None)


async def read_article(
    uow: UnitOfWork, runtime: ServiceRuntime, article_id: str, caller: Caller
) -> ArticleOut:
    parsed = _parse_id(article_id)
    row = await queries.get_article(uow.session, parsed)
    if row is None or row.status not in _visible_statuses(caller):
        raise ArticleNotFoundError()
    return _article_out(runtime, row)


async def list_articles(
    uow: UnitOfWork,
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
    rows = await queries.articles(
        uow.session, statuses=statuses, language=language, limit=limit, offset=offset
    )
    return [_summary_out(runtime, row) for row in rows]


async def _search(
    uow: UnitOfWork,
    terms: Sequence[str],
    *,
    statuses: tuple[str, ...],
    language: Language | None,
    limit: int,
) -> list[tuple[ArticleRecord, float]]:
    """Matching articles with their scores, in ``language`` first, then best first."""
    if _is_postgres(uow):
        rows = await queries.search_articles_postgres(
            uow.session,
            match=knowledge.tsquery_text(terms),
            statuses=statuses,
            language=language,
            limit=limit,
        )
        return [(row, float(row.score)) for row in rows]
    stems = knowledge.stems_of(terms)
    candidates = await queries.search_articles_sqlite(
        uow.session,
        match=knowledge.fts5_query(stems),
        statuses=statuses,
        language=language,
        limit=max(limit, SQLITE_CANDIDATES),
    )

    scored: list[tuple[ArticleRecord, float]] = [
        (
            row,
            knowledge.rank(
                stems, title=row.stemmed_title, tags=row.stemmed_tags, body=row.stemmed_body
            ),
        )
        for row in candidates
    ]

    def order(item: tuple[ArticleRecord, float]) -> tuple[bool, float, str]:
        row, score = item
        return (language is not None and row.language != language, -score, str(row.id))

    return sorted(scored, key=order)[:limit]


async def search(
    uow: UnitOfWork,
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
    found = await _search(uow, terms, statuses=statuses, language=language, limit=limit)
    return [_summary_out(runtime, row) for row, _ in found]


async def vote(
    uow: UnitOfWork, article_id: str, *, helpful: bool, voter: uuid.UUID | None
) -> VoteOut:
    """Count an answer to "Did this help?"; anyone may answer, on a published article, and a
    reader who gives their voter id counts once: a changed answer moves their vote."""
    parsed = _parse_id(article_id)
    if not await queries.lock_article(uow.session, parsed, status=ArticleStatus.published):
        raise ArticleNotFoundError()
    previous = None
    if voter is not None:
        previous = await queries.record_vote(
            uow.session, parsed, voter, helpful=helpful, at=datetime.now(UTC)
        )
    row = await queries.count_vote(uow.session, parsed, helpful=helpful, previous=previous)
    return VoteOut(id=row.id, helpful_votes=row.helpful_votes, unhelpful_votes=row.unhelpful_votes)


async def suggest(
    runtime: ServiceRuntime,
    subject: str,
    body: str,
    language: Language,
    *,
    uow: UnitOfWork | None = None,
) -> list[ArticleSuggestion]:
    """Up to three published articles that match a new ticket, in its language first.

    At most one indexed query, none while the database is known to hold no published article
    (checked again every NO_ARTICLES_SECONDS). Read in ``uow`` if given; else in a session of
    its own, outside any transaction: filing looks its suggestions up before its write, so
    that the write's transaction is not held for the search.
    """
    engine = runtime.db.engine if uow is None else uow.session.get_bind().engine
    key = _engine_key(engine)
    published, seen_at = _published_seen.get(key, (True, -NO_ARTICLES_SECONDS))
    fresh = time.monotonic() - seen_at < NO_ARTICLES_SECONDS
    # Decided before any session is opened: most filings stop here (a hot path).
    if fresh and not published:
        return []
    terms = knowledge.ticket_terms(subject, body)
    if not terms:
        return []
    if uow is not None:
        return await _suggest(uow, key, terms, language, fresh=fresh)
    async with runtime.db.sessions() as session:
        reading = UnitOfWork(
            session, runtime.outbox, runtime.source, current_correlation_id(), writable=False
        )
        return await _suggest(reading, key, terms, language, fresh=fresh)


async def _suggest(
    uow: UnitOfWork, key: str, terms: list[str], language: Language, *, fresh: bool
) -> list[ArticleSuggestion]:
    if not fresh:
        published = await queries.any_article(uow.session, ArticleStatus.published)
        _note_published(key, published)
        if not published:
            return []
    found = await _search(
        uow, terms, statuses=PUBLISHED, language=language, limit=knowledge.SUGGESTIONS
    )
    return [
        ArticleSuggestion(
            id=row.id,
            title=row.title,
            language=Language(row.language),
            snippet=knowledge.snippet(row.body),
        )
        for row in knowledge.relevant(found)
    ]
