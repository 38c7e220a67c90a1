"""The beta programme (clause 28): customers opt in or out from a link in our mail; admins
publish an invitation, which goes once to each customer who opted in, in their language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.notifier import repository
from services.notifier.domain.messages import BETA_LINK_PURPOSE
from shared.auth import AdminDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.db import wake_after_commit
from shared.errors import NotFoundError
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/beta", tags=["beta programme"], responses=PROBLEM_RESPONSES)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class MembershipOut(BaseModel):
    opted_in: bool


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feature: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    text_ru: Text
    text_en: Text


class InvitationOut(BaseModel):
    id: uuid.UUID
    recipients: int


class LinkNotValidError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This link is not valid; use the link from one of our emails.")


async def _set(request: Request, runtime: RuntimeDep, token: str, opted_in: bool) -> MembershipOut:
    await runtime.limiter.anonymous(request, customer=token, field="token")
    email = runtime.signer.verify_value(BETA_LINK_PURPOSE, token)
    if email is None:
        raise LinkNotValidError()
    async with runtime.db.transaction() as session:
        contact = await repository.latest_contact_by_email(session, email)
        if contact is None:
            raise LinkNotValidError()
        await repository.set_beta_membership(
            session,
            email=email,
            name=contact.name,
            language=contact.language,
            opted_in=opted_in,
            at=datetime.now(UTC),
        )
    return MembershipOut(opted_in=opted_in)


# GET as well as POST: these are links in mail, and a click must be enough.
@router.post(
    "/opt-in", summary="Join the beta programme", operation_id="beta_opt_in", responses=RATE_LIMITED
)
@router.get(
    "/opt-in",
    summary="Join (the link in our mail)",
    operation_id="beta_opt_in_link",
    responses=RATE_LIMITED,
)
async def opt_in(
    request: Request, runtime: RuntimeDep, token: Annotated[str, Query(max_length=1000)]
) -> MembershipOut:
    return await _set(request, runtime, token, True)


@router.post(
    "/opt-out",
    summary="Leave the beta programme",
    operation_id="beta_opt_out",
    responses=RATE_LIMITED,
)
@router.get(
    "/opt-out",
    summary="Leave (the link in our mail)",
    operation_id="beta_opt_out_link",
    responses=RATE_LIMITED,
)
async def opt_out(
    request: Request, runtime: RuntimeDep, token: Annotated[str, Query(max_length=1000)]
) -> MembershipOut:
    return await _set(request, runtime, token, False)


@router.post("/invitations", status_code=201, summary="Invite every opted-in customer (admins)")
async def invite(body: InvitationIn, runtime: RuntimeDep, _admin: AdminDep) -> InvitationOut:
    invitation_id, now = uuid.uuid4(), datetime.now(UTC)
    async with runtime.db.transaction() as session:
        members = await repository.beta_members(session)
        for member in members:
            await repository.add_delivery(
                session,
                # One invitation gives each member one mail, however often it is retried.
                event_id=f"beta-invitation:{invitation_id}",
                event_type="beta.invitation",
                ticket_id=None,
                channel="email",
                recipient=member.email,
                template="beta_invitation",
                language=member.language,
                context={
                    "name": member.name,
                    "feature": body.feature,
                    "text": body.text_ru if member.language == "ru" else body.text_en,
                },
                next_attempt_at=now,
            )
        await repository.add_invitation(
            session,
            id=invitation_id,
            feature=body.feature,
            text_ru=body.text_ru,
            text_en=body.text_en,
            recipients=len(members),
            created_at=now,
        )
        wake_after_commit(session, "deliveries")
    return InvitationOut(id=invitation_id, recipients=len(members))
