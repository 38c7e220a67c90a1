"""Console sign-in links for staff: intake knows their addresses, so it is asked for one.

The answer is the same whether or not the address belongs to someone: the link goes only to
the mailbox of a staff member whose token is active, by the notifier.
"""

from __future__ import annotations

from services.intake.credentials import queries as credential_queries
from services.intake.tickets.use_cases import publish
from shared import signin
from shared.auth import Role
from shared.contracts.events import Language, StaffSignInRequested
from shared.runtime import ServiceRuntime


async def request_link(runtime: ServiceRuntime, email: str, language: Language) -> None:
    async with runtime.db.transaction() as session:
        found = await credential_queries.active_staff_credential(session, email)
        if found is None:
            return
        grant = signin.new_grant(found.id, Role(found.role), runtime.settings.console_link_minutes)
        await publish(
            runtime,
            session,
            found.id,
            StaffSignInRequested(
                credential_id=grant.credential_id,
                role=found.role,
                email=found.email,
                language=language,
                nonce=grant.nonce,
                expires_at=grant.expires_at,
            ),
        )
