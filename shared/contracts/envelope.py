"""The CloudEvents 1.0 JSON envelope every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode event; ``type`` is also the routing key."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str = Field(description="the emitting service, e.g. /sviftdesk/intake")
    type: str = Field(description="the event type and routing key, e.g. ticket.created")
    time: AwareDatetime = Field(default_factory=utcnow)
    subject: str | None = Field(default=None, description="the ticket id the event is about")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, description="the payload's schema and version")
    correlationid: str | None = Field(
        default=None, description="extension: the request that caused this event"
    )
    data: dict[str, Any]
