"""Request and response bodies: staff tokens and partner keys."""

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

from services.intake.schemas import Text200
from shared.auth import Role


class CredentialIn(BaseModel):
    """A staff token (agent, senior, admin: with ``email``) or a partner key (with
    ``partner_name`` and ``scopes``)."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    email: EmailStr | None = None
    name: Text200 | None = Field(default=None, description="a staff member's name, as staff see it")
    partner_name: Text200 | None = None
    scopes: list[Annotated[str, StringConstraints(max_length=50)]] = Field(
        default_factory=list, max_length=10
    )


class CredentialOut(BaseModel):
    id: uuid.UUID
    role: Role
    email: str | None
    partner_name: str | None
    scopes: list[str]
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None


class CredentialIssuedOut(CredentialOut):
    token: str = Field(description="shown once: keep it secret")
    expires_at: AwareDatetime = Field(
        description="when the token stops working (SVIFTDESK_STAFF_TOKEN_HOURS, "
        "SVIFTDESK_PARTNER_KEY_DAYS); then issue a new one"
    )
