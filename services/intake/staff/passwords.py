"""Console passwords of staff (issue 16): set from a signed-in session, changed with the
current one or a fresh mailed sign-in link, and checked alike for every address.

The hash lives beside the staff credential it signs in to, so revoking the credential takes
the password with it. Hashes are argon2id with argon2-cffi's defaults (RFC 9106's
low-memory profile), computed on a worker thread: a hash takes tens of milliseconds of CPU,
which the event loop must not wait out.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.intake.domain.credentials import check_new_password
from services.intake.staff import queries
from services.intake.staff.queries import StaffAccountRecord
from shared import signin
from shared.auth import ForbiddenError, Role, TokenSigner, UnauthorizedError
from shared.errors import NotFoundError
from shared.unit_of_work import UnitOfWork

HASHER = PasswordHasher()  # argon2id
# The console turns a password sign-in's grant into a session at once.
GRANT_MINUTES = 1.0


class PasswordSignInRefusedError(UnauthorizedError):
    """The one answer to a wrong password, an unknown or revoked address, or an account
    without a password: it tells no one who works here."""

    def __init__(self) -> None:
        reason = "wrong address or password"
        super().__init__(
            "The address or the password is wrong. No password yet, or forgotten? "
            "Ask for a sign-in link by mail.",
            errors=[{"field": "password", "reason": reason}],
        )


class PasswordChangeRefusedError(ForbiddenError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class StaffAccountNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This token is no staff account of this desk (partner keys have none).")


async def _hash(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def _matches(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(HASHER.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: list[str] = []


async def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown addresses so that they take as long
    as known ones."""
    if not _dummy:
        _dummy.append(await _hash(secrets.token_urlsafe(32)))
    return _dummy[0]


async def sign_in(uow: UnitOfWork, signer: TokenSigner, email: str, password: str) -> str:
    """A one-time console sign-in token (as a mailed link carries) for the right password of
    an active staff member's address; PasswordSignInRefusedError otherwise."""
    account = await queries.active_staff_account(uow.session, email)
    if account is None or account.password_hash is None:
        await _matches(await _dummy_hash(), password)
        raise PasswordSignInRefusedError()
    if not await _matches(account.password_hash, password):
        raise PasswordSignInRefusedError()
    if HASHER.check_needs_rehash(account.password_hash):
        # Hashed with weaker parameters than today's: the password is at hand to redo it.
        new_hash = await _hash(password)
        changed_at = account.password_changed_at or datetime.now(UTC)
        await queries.set_password_hash(uow.session, account.id, new_hash, changed_at)
    grant = signin.new_grant(account.id, Role(account.role), GRANT_MINUTES)
    return signin.link_token(signer, grant)


async def account(uow: UnitOfWork, credential_id: uuid.UUID) -> StaffAccountRecord:
    found = await queries.staff_account(uow.session, credential_id)
    if found is None:
        raise StaffAccountNotFoundError()
    return found


def _fresh_link(signer: TokenSigner, link: str, credential_id: uuid.UUID) -> bool:
    """Whether ``link`` is a sign-in link of this account that has not expired yet: whoever
    holds one has just read the account's mail."""
    grant = signin.read_token(signer, link)
    return (
        grant is not None
        and grant.credential_id == credential_id
        and grant.expires_at > datetime.now(UTC)
    )


async def change(
    uow: UnitOfWork,
    signer: TokenSigner,
    credential_id: uuid.UUID,
    *,
    password: str,
    current_password: str | None,
    sign_in_link: str | None,
) -> StaffAccountRecord:
    """Set the account's password. The first one needs only the signed-in caller; a change
    needs the current password or a sign-in link of the account that is still fresh (the
    way back in for one who forgot it)."""
    found = await account(uow, credential_id)
    check_new_password(password, found.email)
    if found.password_hash is not None:
        if sign_in_link is not None:
            if not _fresh_link(signer, sign_in_link, found.id):
                raise PasswordChangeRefusedError(
                    "sign_in_link",
                    "this sign-in link has expired or is another account's: give the current "
                    "password, or ask for a new link",
                )
        elif current_password is None:
            raise PasswordChangeRefusedError(
                "current_password",
                "give the current password, or sign in by a mailed link to set a new one",
            )
        elif not await _matches(found.password_hash, current_password):
            raise PasswordChangeRefusedError("current_password", "this is not the current one")
    new_hash, changed_at = await _hash(password), datetime.now(UTC)
    await queries.set_password_hash(uow.session, found.id, new_hash, changed_at)
    return replace(found, password_hash=new_hash, password_changed_at=changed_at)
