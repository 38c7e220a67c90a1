"""Staff tokens and partner keys: issued (the token shown once), listed, revoked.

Used by the admin API and by ``sviftdesk agents create`` / ``sviftdesk partners create``,
which work on the database directly and need no running service (``unit_on``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from services.intake import tables
from services.intake.credentials import queries
from services.intake.credentials.queries import CredentialRecord
from services.intake.credentials.schemas import CredentialIn, CredentialIssuedOut, CredentialOut
from services.intake.domain.credentials import check_partner, check_staff
from shared.auth import Role, TokenSigner, token_hash
from shared.contracts.events import CredentialRevoked, StaffRegistered, StaffRole
from shared.db import Database
from shared.errors import NotFoundError
from shared.logging import current_correlation_id
from shared.outbox import Outbox
from shared.runtime import event_source
from shared.unit_of_work import UnitOfWork


@asynccontextmanager
async def unit_on(db: Database) -> AsyncIterator[UnitOfWork]:
    """A unit of work on intake's database without a running service (the CLI): committed
    when the block ends; its events wait in the outbox for intake's relay."""
    async with db.transaction() as session:
        yield UnitOfWork(
            session, Outbox(tables.outbox), event_source("intake"), current_correlation_id()
        )


async def issue(
    uow: UnitOfWork,
    signer: TokenSigner,
    *,
    role: Role,
    email: str | None = None,
    name: str | None = None,
    partner_name: str | None = None,
    scopes: Iterable[str] = (),
) -> CredentialIssuedOut:
    """A new staff token (with an email, and the person's name if given) or partner key (with
    a name and scopes)."""
    if role is Role.partner:
        chosen = check_partner(partner_name, scopes)
        email, name = None, None
    else:
        check_staff(role, email)
        chosen, partner_name = [], None
    credential_id, now = uuid.uuid4(), datetime.now(UTC)
    token = signer.issue(credential_id, role, chosen, now=now)
    await queries.add_credential(
        uow.session,
        id=credential_id,
        role=role,
        email=email.lower() if email else None,
        name=name,
        partner_name=partner_name,
        scopes=chosen,
        token_hash=token_hash(token),
        created_at=now,
    )
    if email is not None:
        # Whom the notifier tells of work waiting for them (staff only: partners have none).
        registered = StaffRegistered(
            credential_id=credential_id,
            email=email.lower(),
            role=StaffRole(role.value),
            registered_at=now,
            expires_at=now + signer.lifetime(role),
        )
        await uow.stage(registered, subject=credential_id)
    return CredentialIssuedOut(
        id=credential_id,
        role=role,
        email=email.lower() if email else None,
        partner_name=partner_name,
        scopes=chosen,
        created_at=now,
        revoked_at=None,
        token=token,
        expires_at=now + signer.lifetime(role),
    )


async def issue_from(
    uow: UnitOfWork, signer: TokenSigner, request: CredentialIn
) -> CredentialIssuedOut:
    return await issue(
        uow,
        signer,
        role=request.role,
        email=request.email,
        name=request.name,
        partner_name=request.partner_name,
        scopes=request.scopes,
    )


def _out(record: CredentialRecord) -> CredentialOut:
    return CredentialOut(
        id=record.id,
        role=Role(record.role),
        email=record.email,
        partner_name=record.partner_name,
        scopes=list(record.scopes),
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


async def listing(uow: UnitOfWork) -> list[CredentialOut]:
    return [_out(record) for record in await queries.credentials(uow.session)]


async def revoke(uow: UnitOfWork, credential_id: uuid.UUID) -> CredentialOut:
    """From now on intake refuses the token, and so does every other service once it hears
    ``credential.revoked`` (staged here, published by intake's relay); revoking twice changes
    nothing."""
    now = datetime.now(UTC)
    if await queries.revoke_credential(uow.session, credential_id, now):
        revoked = CredentialRevoked(credential_id=credential_id, revoked_at=now)
        await uow.stage(revoked, subject=credential_id)
    record = await queries.get_credential(uow.session, credential_id)
    if record is None:
        raise NotFoundError("No credential with this id.")
    return _out(record)
