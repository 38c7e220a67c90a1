"""Staff tokens and partner keys (admins): issue, list, revoke. The first admin token comes
from ``sviftdesk agents create --role admin``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.credentials import use_cases as credentials
from services.intake.credentials.schemas import CredentialIn, CredentialIssuedOut, CredentialOut
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AdminDep
from shared.runtime import ReadUnitDep, RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1/credentials", tags=["credentials"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Issue a staff token or a partner key (admins)")
async def issue(
    body: CredentialIn, runtime: RuntimeDep, _admin: AdminDep, uow: UnitOfWorkDep
) -> CredentialIssuedOut:
    """The token is in this answer only: intake keeps its hash."""
    return await credentials.issue_from(uow, runtime.signer, body)


@router.get("", summary="Every issued credential, without tokens (admins)")
async def listing(_admin: AdminDep, uow: ReadUnitDep) -> list[CredentialOut]:
    return await credentials.listing(uow)


@router.post("/{credential_id}/revoke", summary="Revoke a token or key (admins)")
async def revoke(credential_id: uuid.UUID, _admin: AdminDep, uow: UnitOfWorkDep) -> CredentialOut:
    return await credentials.revoke(uow, credential_id)
