"""A customer who lost the link to their request asks for a new one by address (issue 17).

The answer is the same whether or not the address has written to us: only its mailbox gets
the links, by the notifier. Each ticket still open gets a new key (intake keeps only keys'
hashes, so a lost one cannot be sent again); the old link opens it no more.
"""

from __future__ import annotations

from services.intake.customers import queries
from services.intake.domain.tickets import format_number, new_access_seed
from shared.auth import TokenSigner, customer_key, token_hash
from shared.contracts.events import (
    AccessLink,
    CustomerAccessLinksIssued,
    Language,
    TicketStatus,
)
from shared.unit_of_work import UnitOfWork

# A closed ticket is final (a reply starts a new one): no link to it is worth a new key.
FINISHED = (TicketStatus.closed.value,)
# The newest ones: a mail with a long list of links is not read.
MOST = 10


async def request_links(
    uow: UnitOfWork, signer: TokenSigner, email: str, language: Language
) -> None:
    found = await queries.open_tickets_of_address(uow.session, email.lower(), FINISHED, MOST)
    if not found:
        return
    links = []
    for record in found:
        seed = new_access_seed()
        key_id, key = customer_key(signer, seed)
        await queries.set_access_token_hash(uow.session, record.id, token_hash(key))
        # The key's parts travel, not the key: the notifier remakes it as it writes.
        links.append(
            AccessLink(
                ticket_id=record.id,
                number=format_number(record.number),
                subject=record.subject,
                access_seed=seed,
                access_key_id=key_id,
            )
        )
    await uow.stage(
        CustomerAccessLinksIssued(email=email.lower(), language=language, tickets=links),
        subject=found[0].id,
    )
