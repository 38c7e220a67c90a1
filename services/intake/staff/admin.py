"""Staff as admins manage them from the console (issue 16): listed, invited by a mailed
sign-in link, given another role. Revoking is ``credentials.revoke``.

A role is signed into every token of its credential, and every service trusts the token's
claim; so a new role is a new credential (same address, name and password) and the old one
is revoked: its sessions and tokens end at once, everywhere, and the staff member signs in
again by the link mailed to them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.intake.credentials import queries as credential_queries
from services.intake.staff import queries
from services.intake.staff.queries import StaffMemberRecord
from shared import signin
from shared.auth import Role, TokenSigner, token_hash
from shared.contracts.events import (
    CredentialRevoked,
    Language,
    StaffRegistered,
    StaffRole,
    StaffSignInRequested,
)
from shared.errors import ConflictError, NotFoundError
from shared.unit_of_work import UnitOfWork


class StaffMemberNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No staff member with this id.")


class StaffConflictError(ConflictError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


async def listing(uow: UnitOfWork) -> list[StaffMemberRecord]:
    return await queries.staff_members(uow.session)


async def invite(
    uow: UnitOfWork,
    signer: TokenSigner,
    *,
    email: str,
    name: str,
    role: StaffRole,
    language: Language,
    link_minutes: float,
) -> StaffMemberRecord:
    """A new staff member, told by mail how to sign in; one active account per address."""
    email = email.lower()
    if await credential_queries.active_staff_credential(uow.session, email) is not None:
        raise StaffConflictError("email", "this address already has an active staff account")
    return await _issue(
        uow,
        signer,
        email=email,
        name=name,
        role=role,
        language=language,
        link_minutes=link_minutes,
    )


async def change_role(
    uow: UnitOfWork,
    signer: TokenSigner,
    *,
    admin_id: uuid.UUID,
    staff_id: uuid.UUID,
    role: StaffRole,
    language: Language,
    link_minutes: float,
) -> StaffMemberRecord:
    """The staff member under their new role (a new id); the same one if the role is theirs."""
    member = await queries.staff_member(uow.session, staff_id)
    if member is None:
        raise StaffMemberNotFoundError()
    if member.revoked_at is not None:
        raise StaffConflictError("role", "this account is revoked: invite the person again")
    if member.id == admin_id:
        # An admin who demoted themselves could not undo it; another admin can.
        raise StaffConflictError("role", "ask another admin to change your own role")
    if member.role == role.value:
        return member
    now = datetime.now(UTC)
    await credential_queries.revoke_credential(uow.session, member.id, now)
    await uow.stage(CredentialRevoked(credential_id=member.id, revoked_at=now), subject=member.id)
    return await _issue(
        uow,
        signer,
        email=member.email,
        name=member.name,
        role=role,
        language=language,
        link_minutes=link_minutes,
        password=(member.password_hash, member.password_changed_at),
    )


async def _issue(
    uow: UnitOfWork,
    signer: TokenSigner,
    *,
    email: str,
    name: str | None,
    role: StaffRole,
    language: Language,
    link_minutes: float,
    password: tuple[str | None, datetime | None] = (None, None),
) -> StaffMemberRecord:
    """A staff credential, announced to the notifier, and a sign-in link mailed to it. Its
    bearer token is not kept or shown: the console mints its own for the session."""
    credential_id, now = uuid.uuid4(), datetime.now(UTC)
    token = signer.issue(credential_id, Role(role.value), [], now=now)
    await credential_queries.add_credential(
        uow.session,
        id=credential_id,
        role=role.value,
        email=email,
        name=name,
        partner_name=None,
        scopes=[],
        token_hash=token_hash(token),
        created_at=now,
        password_hash=password[0],
        password_changed_at=password[1],
    )
    await uow.stage(
        StaffRegistered(
            credential_id=credential_id,
            email=email,
            role=role,
            registered_at=now,
            expires_at=now + signer.lifetime(Role(role.value)),
        ),
        subject=credential_id,
    )
    grant = signin.new_grant(credential_id, Role(role.value), link_minutes)
    await uow.stage(
        StaffSignInRequested(
            credential_id=credential_id,
            role=role.value,
            email=email,
            language=language,
            nonce=grant.nonce,
            expires_at=grant.expires_at,
        ),
        subject=credential_id,
    )
    member = await queries.staff_member(uow.session, credential_id)
    assert member is not None  # just added in this transaction
    return member
