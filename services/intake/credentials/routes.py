"""Staff tokens and partner keys (admins): issue, list, revoke. The first admin token comes
from ``sviftdesk agents create --role admin``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.intake.credentials import use_cases as credentials
from services.intake.credentials.schemas import CredentialIn, CredentialIssuedOut, CredentialOut
from services.intake.schemas import INTAKE_PROBLEMS
from shared.auth import AdminDep
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/credentials", tags=["credentials"], responses=INTAKE_PROBLEMS)


@router.post("", status_code=201, summary="Issue a staff token or a partner key (admins)")
async def issue(body: CredentialIn, runtime: RuntimeDep, _admin: AdminDep) -> CredentialIssuedOut:
    """The token is in this answer only: intake keeps its hash."""
    return await credentials.issue_from(runtime.db, runtime.signer, body)


@router.get("", summary="Every issued credential, without tokens (admins)")
async def listing(runtime: RuntimeDep, _admin: AdminDep) -> list[CredentialOut]:
    return await credentials.listing(runtime.db)


@router.post("/{credential_id}/revoke", summary="Revoke a token or key (admins)")
async def revoke(credential_id: uuid.UUID, runtime: RuntimeDep, _admin: AdminDep) -> CredentialOut:
    return await credentials.revoke(runtime.db, credential_id)
