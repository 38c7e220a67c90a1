"""Console sign-in links for staff: intake knows their addresses, so it is asked for one.

The answer is the same whether or not the address belongs to someone: the link goes only to
the mailbox of a staff member whose token is active, by the notifier.
"""

from __future__ import annotations

from services.intake.credentials import queries as credential_queries
from shared import signin
from shared.auth import Role
from shared.contracts.events import Language, StaffRole, StaffSignInRequested
from shared.unit_of_work import UnitOfWork


async def request_link(
    uow: UnitOfWork, email: str, language: Language, link_minutes: float
) -> None:
    found = await credential_queries.active_staff_credential(uow.session, email)
    if found is None or found.email is None:
        return
    grant = signin.new_grant(found.id, Role(found.role), link_minutes)
    await uow.stage(
        StaffSignInRequested(
            credential_id=grant.credential_id,
            role=StaffRole(found.role).value,
            email=found.email,
            language=language,
            nonce=grant.nonce,
            expires_at=grant.expires_at,
        ),
        subject=found.id,
    )
