"""Queries: the knowledge base (clause 16): articles, votes and the search index."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    exists,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.tables import (
    article,
    article_search,
    article_search_vector,
    article_vote,
)
from shared.db import execute_count, insert_ignoring_conflicts


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An article, in the table's column order (built with ``*row``)."""

    id: uuid.UUID
    language: str
    title: str
    body: str
    tags: list[str]
    status: str
    author_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    helpful_votes: int
    unhelpful_votes: int


@dataclass(frozen=True, slots=True)
class ScoredArticleRecord(ArticleRecord):
    """An article PostgreSQL found, with its ts_rank."""

    score: float


@dataclass(frozen=True, slots=True)
class StemmedArticleRecord(ArticleRecord):
    """An article SQLite's FTS5 found, with its stemmed text for the caller to rank."""

    stemmed_title: str
    stemmed_tags: str
    stemmed_body: str


@dataclass(frozen=True, slots=True)
class VoteCountRecord:
    id: uuid.UUID
    helpful_votes: int
    unhelpful_votes: int


@dataclass(frozen=True, slots=True)
class ArticleChanges:
    """What an update writes: None leaves a field as it is."""

    updated_at: datetime
    language: str | None = None
    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None
    status: str | None = None
    published_at: datetime | None = None


async def add_article(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    language: str,
    title: str,
    body: str,
    tags: list[str],
    status: str,
    author_id: uuid.UUID,
    created_at: datetime,
    published_at: datetime | None,
) -> ArticleRecord:
    statement = (
        article.insert()
        .values(
            id=id,
            language=language,
            title=title,
            body=body,
            tags=tags,
            status=status,
            author_id=author_id,
            created_at=created_at,
            updated_at=created_at,
            published_at=published_at,
        )
        .returning(*article.c)
    )
    return ArticleRecord(*(await session.execute(statement)).one())


async def get_article(session: AsyncSession, article_id: uuid.UUID) -> ArticleRecord | None:
    row = (await session.execute(select(article).where(article.c.id == article_id))).first()
    return None if row is None else ArticleRecord(*row)


async def update_article(
    session: AsyncSession, article_id: uuid.UUID, changes: ArticleChanges
) -> ArticleRecord | None:
    """Write the given fields only (another writer's change to the rest stays)."""
    values = {
        field: value
        for field in ArticleChanges.__slots__
        if (value := getattr(changes, field)) is not None
    }
    statement = (
        update(article).where(article.c.id == article_id).values(values).returning(*article.c)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else ArticleRecord(*row)


async def delete_article(session: AsyncSession, article_id: uuid.UUID) -> bool:
    await session.execute(delete(article_vote).where(article_vote.c.article_id == article_id))
    return await execute_count(session, delete(article).where(article.c.id == article_id)) == 1


async def articles(
    session: AsyncSession,
    *,
    statuses: Collection[str],
    language: str | None,
    limit: int,
    offset: int,
) -> list[ArticleRecord]:
    """Articles of the given statuses, the most recently changed first."""
    query = select(article).where(article.c.status.in_(statuses))
    if language is not None:
        query = query.where(article.c.language == language)
    query = query.order_by(article.c.updated_at.desc(), article.c.id).limit(limit).offset(offset)
    return [ArticleRecord(*row) for row in await session.execute(query)]


async def any_article(session: AsyncSession, status: str) -> bool:
    query = select(exists().where(article.c.status == status))
    return bool((await session.execute(query)).scalar_one())


async def record_vote(
    session: AsyncSession, article_id: uuid.UUID, voter: uuid.UUID, *, helpful: bool, at: datetime
) -> bool | None:
    """Keep a reader's answer; their previous one, or None if this is their first."""
    first = insert_ignoring_conflicts(
        session,
        article_vote,
        ["article_id", "voter"],
        article_id=article_id,
        voter=voter,
        helpful=helpful,
        voted_at=at,
    )
    if await execute_count(session, first):
        return None
    # Answered before (or a moment ago, concurrently): move that answer.
    mine = (article_vote.c.article_id == article_id) & (article_vote.c.voter == voter)
    query = select(article_vote.c.helpful).where(mine).with_for_update()
    previous = bool((await session.execute(query)).scalar_one())
    if previous != helpful:
        await session.execute(update(article_vote).where(mine).values(helpful=helpful, voted_at=at))
    return previous


async def lock_article(session: AsyncSession, article_id: uuid.UUID, *, status: str) -> bool:
    """Lock an article of ``status`` for a change; False if there is none such."""
    query = (
        select(article.c.id)
        .where(article.c.id == article_id, article.c.status == status)
        .with_for_update()
    )
    return (await session.execute(query)).first() is not None


async def count_vote(
    session: AsyncSession, article_id: uuid.UUID, *, helpful: bool, previous: bool | None
) -> VoteCountRecord:
    """Count one answer to "Did this help?", moving the reader's ``previous`` answer if they
    gave one."""
    yes, no = article.c.helpful_votes, article.c.unhelpful_votes
    counter, other = (yes, no) if helpful else (no, yes)
    changes: dict[Any, Any] = {}
    if previous is None:
        changes[counter] = counter + 1
    elif previous != helpful:
        changes = {counter: counter + 1, other: other - 1}
    else:
        changes[counter] = counter  # the same answer again: nothing moves
    statement = (
        update(article)
        .where(article.c.id == article_id)
        .values(changes)
        .returning(article.c.id, yes, no)
    )
    return VoteCountRecord(*(await session.execute(statement)).one())


async def index_article(
    session: AsyncSession, article_id: uuid.UUID, *, title: str, tags: str, body: str
) -> None:
    """SQLite: (re)write an article's stemmed text in the FTS5 table."""
    await unindex_article(session, article_id)
    await session.execute(
        article_search.insert().values(article_id=article_id, title=title, tags=tags, body=body)
    )


async def unindex_article(session: AsyncSession, article_id: uuid.UUID) -> None:
    await session.execute(delete(article_search).where(article_search.c.article_id == article_id))


async def search_articles_postgres(
    session: AsyncSession,
    *,
    match: str,
    statuses: Collection[str],
    language: str | None,
    limit: int,
) -> list[ScoredArticleRecord]:
    """Articles that match, in ``language`` first, then best match first: one query, on the
    GIN index (``match`` for to_tsquery; titles weigh more than tags, tags more than the
    body), each with its ``score``."""
    # Each configuration stems the words its way; an article matches in its own.
    query_ru = func.to_tsquery(literal_column("'russian'::regconfig"), match)
    query_en = func.to_tsquery(literal_column("'english'::regconfig"), match)
    tsquery = query_ru.op("||")(query_en)
    score = func.ts_rank(article_search_vector, tsquery)
    query = select(article, score.label("score")).where(article_search_vector.op("@@")(tsquery))
    found = _ranked(query, score.desc(), statuses=statuses, language=language, limit=limit)
    return [ScoredArticleRecord(*row) for row in await session.execute(found)]


async def search_articles_sqlite(
    session: AsyncSession,
    *,
    match: str,
    statuses: Collection[str],
    language: str | None,
    limit: int,
) -> list[StemmedArticleRecord]:
    """Articles that match, in ``language`` first, from the FTS5 table (``match`` an FTS5
    expression of stems), each with its stemmed text for the caller to rank."""
    # The caller ranks these candidates as ts_rank would, from the stemmed text; bm25
    # (lower is better; weights in the FTS5 columns' order) only picks which to read.
    rank = func.bm25(literal_column("article_search"), 0.0, 10.0, 4.0, 1.0).asc()
    query = (
        select(
            article,
            article_search.c.title.label("stemmed_title"),
            article_search.c.tags.label("stemmed_tags"),
            article_search.c.body.label("stemmed_body"),
        )
        .select_from(article_search.join(article, article.c.id == article_search.c.article_id))
        .where(literal_column("article_search").op("MATCH")(match))
    )
    found = _ranked(query, rank, statuses=statuses, language=language, limit=limit)
    return [StemmedArticleRecord(*row) for row in await session.execute(found)]


def _ranked(
    query: Select[Any],
    rank: ColumnElement[Any],
    *,
    statuses: Collection[str],
    language: str | None,
    limit: int,
) -> Select[Any]:
    query = query.where(article.c.status.in_(statuses))
    order = [rank, article.c.id]
    if language is not None:
        order.insert(0, case((article.c.language == language, 0), else_=1))
    return query.order_by(*order).limit(limit)
