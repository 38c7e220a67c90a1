"""The beta programme (clause 28): customers opt in or out from a link in our mail; admins
publish an invitation, which goes once to each customer who opted in, in their language."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.notifier import beta_programme
from services.notifier.beta_programme import LinkNotValidError
from services.notifier.domain.messages import BETA_LINK_PURPOSE, TEMPLATES
from shared.auth import AdminDep
from shared.contracts.api import PROBLEM_RESPONSES
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep, UnitOfWorkDep

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


Token = Annotated[str, Query(max_length=1000)]


async def _linked_email(request: Request, runtime: RuntimeDep, token: Token) -> str:
    """The address a beta link was mailed to, from its signature; checked (and the anonymous
    budget spent) before the unit of work opens."""
    await runtime.limiter.anonymous(request, customer=token, field="token")
    email = runtime.signer.verify_value(BETA_LINK_PURPOSE, token)
    if email is None:
        raise LinkNotValidError()
    return email


LinkedEmail = Annotated[str, Depends(_linked_email)]


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
async def opt_in(request: Request, email: LinkedEmail, uow: UnitOfWorkDep) -> Response:
    await beta_programme.set_membership(uow, email, opted_in=True)
    return _page(True, token=None) if _wants_page(request) else _json(MembershipOut(opted_in=True))


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
async def opt_out(request: Request, email: LinkedEmail, uow: UnitOfWorkDep) -> Response:
    await beta_programme.set_membership(uow, email, opted_in=False)
    membership = MembershipOut(opted_in=False)
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
async def invite(body: InvitationIn, _admin: AdminDep, uow: UnitOfWorkDep) -> InvitationOut:
    invitation_id, recipients = await beta_programme.invite(
        uow, feature=body.feature, text_ru=body.text_ru, text_en=body.text_en
    )
    return InvitationOut(id=invitation_id, recipients=recipients)
