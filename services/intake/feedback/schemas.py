"""Request and response bodies: feedback and complaints."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from shared.contracts.events import (
    FeedbackKind,
    FeedbackStatus,
    Language,
)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    email: EmailStr | None = Field(default=None, description="if you would like an answer")
    language: Language = Field(default=Language.ru, description="of the acknowledgement")


class FeedbackOut(BaseModel):
    id: uuid.UUID
    kind: FeedbackKind
    received_at: AwareDatetime


class FeedbackItemOut(BaseModel):
    """Feedback as staff read it."""

    id: uuid.UUID
    kind: FeedbackKind
    text: str
    email: str | None
    status: FeedbackStatus
    received_at: AwareDatetime
    status_changed_at: AwareDatetime | None


class FeedbackStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FeedbackStatus
