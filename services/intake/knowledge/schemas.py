"""Request and response bodies of the knowledge base (clause 16)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.intake.domain.knowledge import ArticleStatus
from services.intake.schemas import Body, Text200
from shared.contracts.events import Language

MAX_TAGS = 20

Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50)
]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]


class ArticleCreate(BaseModel):
    """A new article, a draft unless published at once."""

    model_config = ConfigDict(extra="forbid")

    language: Language
    title: Text200
    body: Body = Field(description="Markdown")
    tags: Tags = Field(default_factory=list)
    status: ArticleStatus = ArticleStatus.draft


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# A field left out keeps its value; null is refused, naming the field, instead of blanking it.
# (Typed without None: only ``model_dump(exclude_unset=True)`` of the update is ever read.)
Unchanged = Field(default=None, json_schema_extra=_no_default)


class ArticleUpdate(BaseModel):
    """Change what is given; ``status`` publishes or unpublishes."""

    model_config = ConfigDict(extra="forbid")

    language: Annotated[Language, Unchanged]
    title: Annotated[Text200, Unchanged]
    body: Annotated[Body, Unchanged, Field(description="Markdown")]
    tags: Annotated[Tags, Unchanged]
    status: Annotated[ArticleStatus, Unchanged]


class ArticleOut(BaseModel):
    id: uuid.UUID
    language: Language
    title: str
    body: str = Field(description="Markdown")
    tags: list[str]
    status: ArticleStatus
    url: str = Field(description="the article on the site")
    helpful_votes: int = Field(description='"Did this help?" answered yes')
    unhelpful_votes: int = Field(description='"Did this help?" answered no')
    created_at: AwareDatetime
    updated_at: AwareDatetime
    published_at: AwareDatetime | None


class ArticleSummaryOut(BaseModel):
    """An article in a list or among search results, best match first."""

    id: uuid.UUID
    language: Language
    title: str
    snippet: str = Field(description="the article's opening, as plain text")
    tags: list[str]
    status: ArticleStatus
    url: str
    helpful_votes: int
    unhelpful_votes: int
    updated_at: AwareDatetime


class VoteIn(BaseModel):
    """ "Did this help?" """

    model_config = ConfigDict(extra="forbid")

    helpful: bool
    voter: uuid.UUID | None = Field(
        default=None,
        description=(
            "a random id the site keeps for this reader (in a cookie, say): their later answer "
            "replaces the earlier one instead of counting twice; without it every answer counts"
        ),
    )


class VoteOut(BaseModel):
    id: uuid.UUID
    helpful_votes: int
    unhelpful_votes: int
