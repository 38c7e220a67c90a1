"""The knowledge base (clause 16): staff write articles, anyone reads and searches the
published ones and answers "Did this help?"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.intake.access import CallerDep
from services.intake.domain.knowledge import ArticleStatus
from services.intake.knowledge import use_cases as knowledge
from services.intake.knowledge.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleSummaryOut,
    ArticleUpdate,
    VoteIn,
    VoteOut,
)
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AgentDep
from shared.contracts.events import Language
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/articles", tags=["knowledge base"], responses=INTAKE_PROBLEMS)

Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("", summary="List articles")
async def list_articles(
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
    language: Language | None = None,
    status: Annotated[
        ArticleStatus | None, Query(description="drafts and retired ones: staff only")
    ] = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ArticleSummaryOut]:
    """Published articles, the most recently changed first; staff also see drafts and
    retired ones."""
    return await knowledge.list_articles(
        uow, runtime, caller, language=language, status=status, limit=limit, offset=offset
    )


@router.post("", status_code=201, summary="Write an article (agents)")
async def create_article(
    body: ArticleCreate, runtime: RuntimeDep, agent: AgentDep, uow: UnitOfWorkDep
) -> ArticleOut:
    """A draft unless ``status`` is published; the body is Markdown."""
    return await knowledge.create_article(uow, runtime, body, agent)


@router.get("/search", summary="Search articles, in Russian or English")
async def search_articles(
    runtime: RuntimeDep,
    caller: CallerDep,
    uow: ReadUnitDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="words to look for")],
    language: Annotated[
        Language | None, Query(description="the reader's language: its articles come first")
    ] = None,
    status: Annotated[
        ArticleStatus | None, Query(description="only these; drafts and retired ones: staff only")
    ] = None,
    limit: Limit = 10,
) -> list[ArticleSummaryOut]:
    """Any form of a word finds the others («оплата», «оплаты», «оплатить»; "payment",
    "payments"); articles with more of the words, and with them in the title, rank higher.
    Staff find drafts and retired articles too, unless they ask for one ``status``."""
    return await knowledge.search(
        uow, runtime, q, caller, language=language, status=status, limit=limit
    )


@router.get("/{article_id}", summary="Read an article")
async def read_article(
    article_id: str, runtime: RuntimeDep, caller: CallerDep, uow: ReadUnitDep
) -> ArticleOut:
    """Anyone, once it is published; a draft or a retired one only staff (anyone else gets
    404)."""
    return await knowledge.read_article(uow, runtime, article_id, caller)


@router.patch("/{article_id}", summary="Change, publish, unpublish or retire an article (agents)")
async def update_article(
    article_id: str, body: ArticleUpdate, runtime: RuntimeDep, _agent: AgentDep, uow: UnitOfWorkDep
) -> ArticleOut:
    return await knowledge.update_article(uow, runtime, article_id, body)


@router.delete(
    "/{article_id}",
    status_code=204,
    summary="Delete an article (agents)",
    response_class=Response,
    responses={204: {"description": "Deleted"}},
)
async def delete_article(article_id: str, _agent: AgentDep, uow: UnitOfWorkDep) -> Response:
    """Gone for good, votes and all; to only hide it, unpublish it instead."""
    await knowledge.delete_article(uow, article_id)
    return Response(status_code=204)


@router.post("/{article_id}/votes", summary='Answer "Did this help?"', responses=RATE_LIMITED)
async def vote(
    article_id: str, body: VoteIn, request: Request, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> VoteOut:
    """Anyone, on a published article; the answers are counted and shown on the article."""
    await runtime.limiter.anonymous(request)
    return await knowledge.vote(uow, article_id, helpful=body.helpful, voter=body.voter)
