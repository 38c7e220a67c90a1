"""Staff as admins manage them (the console's admin pages): list, invite, change a role.
Revoking is ``POST /v1/credentials/{id}/revoke``."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.staff import admin as staff_admin
from services.intake.staff.queries import StaffMemberRecord
from shared.auth import AdminDep
from shared.contracts.events import Language, StaffRole
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/staff", tags=["staff"], responses=INTAKE_PROBLEMS)


class StaffStatus(StrEnum):
    active = "active"
    revoked = "revoked"


class StaffMemberOut(BaseModel):
    id: uuid.UUID = Field(description="the staff credential's id (what revoking takes)")
    email: str
    name: str | None = Field(description="as the inviting admin wrote it; none for older ones")
    role: StaffRole
    status: StaffStatus
    has_password: bool
    created_at: datetime
    revoked_at: datetime | None


class StaffInviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(description="the new staff member's work address")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: StaffRole = StaffRole.agent
    language: Language = Field(default=Language.ru, description="of the invitation mail")


class StaffRoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: StaffRole
    language: Language = Field(default=Language.ru, description="of the sign-in mail")


def _out(member: StaffMemberRecord) -> StaffMemberOut:
    return StaffMemberOut(
        id=member.id,
        email=member.email,
        name=member.name,
        role=StaffRole(member.role),
        status=StaffStatus.revoked if member.revoked_at else StaffStatus.active,
        has_password=member.has_password,
        created_at=member.created_at,
        revoked_at=member.revoked_at,
    )


@router.get("", summary="Every staff member, active first (admins)")
async def listing(_admin: AdminDep, uow: ReadUnitDep) -> list[StaffMemberOut]:
    return [_out(member) for member in await staff_admin.listing(uow)]


@router.post("", status_code=201, summary="Invite a staff member: a sign-in link by mail (admins)")
async def invite(
    body: StaffInviteIn, runtime: RuntimeDep, _admin: AdminDep, uow: UnitOfWorkDep
) -> StaffMemberOut:
    """The link works once, for SVIFTDESK_CONSOLE_LINK_MINUTES; after that the new member
    asks for another on the sign-in page. 409 if the address has an active account."""
    member = await staff_admin.invite(
        uow,
        runtime.signer,
        email=str(body.email),
        name=body.name,
        role=body.role,
        language=body.language,
        link_minutes=runtime.settings.auth.console_link_minutes,
    )
    return _out(member)


@router.put("/{staff_id}/role", summary="Give a staff member another role (admins)")
async def change_role(
    staff_id: uuid.UUID,
    body: StaffRoleIn,
    runtime: RuntimeDep,
    admin: AdminDep,
    uow: UnitOfWorkDep,
) -> StaffMemberOut:
    """Roles are signed into tokens, so the account gets a new id under the new role and the
    old one is revoked: the member's sessions end and a new sign-in link is mailed. Their
    password stays. 409 for a revoked account or one's own."""
    member = await staff_admin.change_role(
        uow,
        runtime.signer,
        admin_id=admin.subject,
        staff_id=staff_id,
        role=body.role,
        language=body.language,
        link_minutes=runtime.settings.auth.console_link_minutes,
    )
    return _out(member)
