"""The beta programme (clause 28): customers opt in or out from a link in our mail; admins
publish an invitation, which goes once to each customer who opted in, in their language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.notifier import repository
from services.notifier.domain.messages import BETA_LINK_PURPOSE, TEMPLATES
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


# A link in our mail only shows a page; its button POSTs. Mail scanners and link previews
# follow every link they see, and must not sign anyone in or out.
_PAGES = {
    True: (
        "Бета-программа SviftDesk · SviftDesk beta programme",
        [
            "Участвуйте, и мы будем приглашать вас попробовать новые функции первыми.",
            "Join, and we will invite you to try new features first.",
        ],
        "Участвовать · Join",
        ["Вы участвуете в бета-программе.", "You are in the beta programme."],
    ),
    False: (
        "Бета-программа SviftDesk · SviftDesk beta programme",
        [
            "Выйдите, и мы больше не будем присылать приглашения.",
            "Leave, and we will send you no more invitations.",
        ],
        "Выйти · Leave",
        ["Вы вышли из бета-программы.", "You have left the beta programme."],
    ),
}
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
# No caching (the token is personal), no referrer (the token is in the URL), no framing (a
# page elsewhere could frame the button and trick a click).
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def _page(opted_in: bool, *, token: str | None) -> HTMLResponse:
    title, ask, button, done = _PAGES[opted_in]
    action = None if token is None else f"?{urlencode({'token': token})}"
    html = _env.get_template("pages/beta.html.j2").render(
        title=title, lines=done if token is None else ask, button=button, action=action
    )
    return HTMLResponse(html, headers=_PAGE_HEADERS)


def _wants_page(request: Request) -> bool:
    """A browser posting the page's form gets a page back; an API client gets JSON."""
    return "text/html" in request.headers.get("accept", "")


async def _show(runtime: RuntimeDep, token: str, opted_in: bool) -> HTMLResponse:
    if runtime.signer.verify_value(BETA_LINK_PURPOSE, token) is None:
        raise LinkNotValidError()
    return _page(opted_in, token=token)


Token = Annotated[str, Query(max_length=1000)]
PAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "a page with a button that POSTs",
    }
}


@router.post(
    "/opt-in",
    summary="Join the beta programme",
    operation_id="beta_opt_in",
    response_model=MembershipOut,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}, **RATE_LIMITED},
)
async def opt_in(request: Request, runtime: RuntimeDep, token: Token) -> Response:
    membership = await _set(request, runtime, token, True)
    return _page(True, token=None) if _wants_page(request) else _json(membership)


@router.get(
    "/opt-in",
    summary="The page behind the link in our mail: its button joins",
    operation_id="beta_opt_in_link",
    responses=PAGE,
)
async def opt_in_page(runtime: RuntimeDep, token: Token) -> HTMLResponse:
    return await _show(runtime, token, True)


@router.post(
    "/opt-out",
    summary="Leave the beta programme",
    operation_id="beta_opt_out",
    response_model=MembershipOut,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}, **RATE_LIMITED},
)
async def opt_out(request: Request, runtime: RuntimeDep, token: Token) -> Response:
    membership = await _set(request, runtime, token, False)
    return _page(False, token=None) if _wants_page(request) else _json(membership)


@router.get(
    "/opt-out",
    summary="The page behind the link in our mail: its button leaves",
    operation_id="beta_opt_out_link",
    responses=PAGE,
)
async def opt_out_page(runtime: RuntimeDep, token: Token) -> HTMLResponse:
    return await _show(runtime, token, False)


def _json(membership: MembershipOut) -> JSONResponse:
    return JSONResponse(membership.model_dump())


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
