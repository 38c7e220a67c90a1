"""Staff sign-in to the agent console: a one-time link by mail, or a password (the console
asks for either); each staff member's own account and password."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field

from services.intake.domain.credentials import PASSWORD_MAX_LENGTH
from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.staff import oidc as staff_oidc
from services.intake.staff import passwords as staff_passwords
from services.intake.staff import sign_in as staff_sign_in
from services.intake.staff.queries import StaffAccountRecord
from shared.auth import AgentDep
from shared.contracts.api import Problem
from shared.contracts.events import Language, StaffRole
from shared.ratelimit import RATE_LIMITED
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/staff", tags=["staff"], responses=INTAKE_PROBLEMS)


class SignInLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the staff member's work address")
    language: Language = Field(default=Language.ru, description="of the mail")


class SignInLinkOut(BaseModel):
    detail: str = Field(description="the same for every address")


@router.post(
    "/sign-in-links",
    status_code=202,
    summary="Mail a one-time console sign-in link (anyone; same answer for any address)",
    responses=RATE_LIMITED,
)
async def request_sign_in_link(
    body: SignInLinkIn, request: Request, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> SignInLinkOut:
    """202 whether or not the address is a staff member's, so it tells no one who works here;
    an active staff token's address gets the link (SVIFTDESK_CONSOLE_LINK_MINUTES, once)."""
    await runtime.limiter.anonymous(request, customer=str(body.email), field="email")
    await staff_sign_in.request_link(
        uow, str(body.email), body.language, runtime.settings.auth.console_link_minutes
    )
    return SignInLinkOut(
        detail="If this is a staff member's address, a sign-in link is on its way."
    )


class PasswordSignInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the staff member's work address")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class PasswordSignInOut(BaseModel):
    sign_in_token: str = Field(
        description="one-time, for a minute: what a mailed link carries after /sign-in/"
    )


class StaffAccountOut(BaseModel):
    id: uuid.UUID
    email: str
    role: StaffRole
    has_password: bool
    password_changed_at: datetime | None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(description="the new password: 15 characters or more")
    current_password: str | None = Field(
        default=None, max_length=PASSWORD_MAX_LENGTH, description="needed to change one"
    )
    sign_in_link: str | None = Field(
        default=None,
        max_length=1000,
        description="instead of the current password: the token of a sign-in link of this "
        "account that has not expired (the way back for one who forgot it)",
    )


def _account_out(account: StaffAccountRecord) -> StaffAccountOut:
    return StaffAccountOut(
        id=account.id,
        email=account.email,
        role=StaffRole(account.role),
        has_password=account.password_hash is not None,
        password_changed_at=account.password_changed_at,
    )


@router.post(
    "/sign-in/password",
    summary="Sign in to the console with a password (anyone; one refusal for every failure)",
    responses=RATE_LIMITED,
)
async def sign_in_with_password(
    body: PasswordSignInIn, request: Request, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> PasswordSignInOut:
    """The right password of an active staff member's address gets a one-time sign-in token;
    a wrong one, an unknown or revoked address and an account without a password all get the
    same 401 after the same work. Each try spends the caller's and the address's budget."""
    await runtime.limiter.anonymous(request, customer=str(body.email), field="email")
    token = await staff_passwords.sign_in(uow, runtime.signer, str(body.email), body.password)
    return PasswordSignInOut(sign_in_token=token)


@router.get("/me", summary="The caller's own staff account (staff)")
async def my_account(agent: AgentDep, uow: ReadUnitDep) -> StaffAccountOut:
    return _account_out(await staff_passwords.account(uow, agent.subject))


@router.put(
    "/me/password",
    summary="Set or change the caller's console password (staff)",
    responses=RATE_LIMITED,
)
async def set_my_password(
    body: PasswordIn, request: Request, agent: AgentDep, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> StaffAccountOut:
    """The first password needs only the caller's token; changing one needs the current
    password (a guess spends the account's budget, as an anonymous write does) or a fresh
    sign-in link of the account. Hashed with argon2id; never returned."""
    if body.current_password is not None:
        await runtime.limiter.anonymous(
            request, customer=str(agent.subject), field="current_password"
        )
    account = await staff_passwords.change(
        uow,
        runtime.signer,
        agent.subject,
        password=body.password,
        current_password=body.current_password,
        sign_in_link=body.sign_in_link,
    )
    return _account_out(account)


# -- Single sign-on by OpenID Connect (issue 16): intake is the client, the console relays --

SSO_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Single sign-on is not configured here"},
    502: {"model": Problem, "description": "The sign-on provider did not answer as expected"},
}


class OidcStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    redirect_uri: AnyHttpUrl = Field(
        description="the console's callback, as registered at the provider"
    )


class OidcStartOut(BaseModel):
    url: str = Field(description="the provider's authorization URL to send the browser to")
    state: str = Field(description="signed, for 10 minutes: what the callback must bring back")


class OidcFinishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=4096)
    state: str = Field(min_length=1, max_length=1000)
    redirect_uri: AnyHttpUrl


@router.post(
    "/sign-in/oidc/start",
    summary="Begin a single sign-on (anyone; 404 unless SVIFTDESK_OIDC_ISSUER is set)",
    responses=SSO_PROBLEMS,
)
async def start_oidc_sign_in(body: OidcStartIn, runtime: RuntimeDep) -> OidcStartOut:
    started = await staff_oidc.start(runtime.settings.auth, runtime.signer, str(body.redirect_uri))
    return OidcStartOut(url=started.url, state=started.state)


@router.post(
    "/sign-in/oidc",
    summary="Finish a single sign-on: the provider's code for a sign-in token (anyone; one "
    "refusal for every failure)",
    responses=SSO_PROBLEMS,
)
async def finish_oidc_sign_in(
    body: OidcFinishIn, runtime: RuntimeDep, uow: UnitOfWorkDep
) -> PasswordSignInOut:
    """The code is exchanged at the provider (client secret, PKCE) and its id_token checked
    (signature by the provider's keys, iss, aud, exp, nonce, email_verified); the active staff
    member with that address gets a one-time sign-in token. Any refusal is the same 401."""
    token = await staff_oidc.finish(
        uow,
        runtime.settings.auth,
        runtime.signer,
        code=body.code,
        state=body.state,
        redirect_uri=str(body.redirect_uri),
    )
    return PasswordSignInOut(sign_in_token=token)
