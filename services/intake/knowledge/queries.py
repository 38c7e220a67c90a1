"""Queries: the knowledge base (clause 16): articles, votes and the search index."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
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

# The knowledge base (clause 16).


async def add_article(session: AsyncSession, **values: Any) -> Row[Any]:
    result = await session.execute(article.insert().values(**values).returning(*article.c))
    return result.one()


async def get_article(session: AsyncSession, article_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(article).where(article.c.id == article_id))).first()


async def update_article(
    session: AsyncSession, article_id: uuid.UUID, **values: Any
) -> Row[Any] | None:
    statement = (
        update(article).where(article.c.id == article_id).values(**values).returning(*article.c)
    )
    return (await session.execute(statement)).first()


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
) -> Sequence[Row[Any]]:
    """Articles of the given statuses, the most recently changed first."""
    query = select(article).where(article.c.status.in_(statuses))
    if language is not None:
        query = query.where(article.c.language == language)
    query = query.order_by(article.c.updated_at.desc(), article.c.id).limit(limit).offset(offset)
    return (await session.execute(query)).all()


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
) -> Row[Any]:
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
    return (await session.execute(statement)).one()


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


async def search_articles(
    session: AsyncSession,
    *,
    match: str,
    postgres: bool,
    statuses: Collection[str],
    language: str | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Articles that match, in ``language`` first, then best match first: one query, on the
    GIN index (PostgreSQL, ``match`` for to_tsquery; titles weigh more than tags, tags more
    than the body; the rows carry their ``score``) or the FTS5 table (SQLite, ``match`` an FTS5
    expression of stems; the rows carry their stemmed text for the caller to rank)."""
    if postgres:
        # Each configuration stems the words its way; an article matches in its own.
        query_ru = func.to_tsquery(literal_column("'russian'::regconfig"), match)
        query_en = func.to_tsquery(literal_column("'english'::regconfig"), match)
        tsquery = query_ru.op("||")(query_en)
        score = func.ts_rank(article_search_vector, tsquery)
        rank = score.desc()
        query = select(article, score.label("score")).where(article_search_vector.op("@@")(tsquery))
    else:
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
    query = query.where(article.c.status.in_(statuses))
    order = [rank, article.c.id]
    if language is not None:
        order.insert(0, case((article.c.language == language, 0), else_=1))
    return (await session.execute(query.order_by(*order).limit(limit))).all()
