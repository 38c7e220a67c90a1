"""Request and response bodies of the intake API (v1)."""

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
    field_validator,
)

from services.intake.domain.tickets import refused_channel_message
from shared.contracts.events import Category, Channel, Language, TicketStatus

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Text200
    language: Language = Language.ru


class TicketCreate(BaseModel):
    """A new request from the web form, a partner or the API. There is no priority (clause 7)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    customer: CustomerIn
    subject: Text200
    body: Body
    category: Category | None = None

    @field_validator("channel", mode="before")
    @classmethod
    def _refuse_phone_and_social(cls, value: object) -> object:
        if isinstance(value, str) and (message := refused_channel_message(value)):
            raise ValueError(message)
        return value


class TicketCreatedOut(BaseModel):
    id: uuid.UUID
    number: str = Field(examples=["SC-000123"])
    status: TicketStatus
    received_at: AwareDatetime
    access_token: str = Field(
        description="the customer's key to this ticket; shown once, keep it secret"
    )
    customer_is_new: bool


class CustomerOut(BaseModel):
    name: str
    email: EmailStr
    language: Language


class TicketOut(BaseModel):
    id: uuid.UUID
    number: str
    status: TicketStatus
    channel: Channel
    category: Category | None
    subject: str
    body: str
    received_at: AwareDatetime
    customer: CustomerOut
