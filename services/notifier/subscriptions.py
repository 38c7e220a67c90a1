"""Partners' webhook subscriptions: at most so many per partner, each seen and removed only by
the partner that made it."""

from __future__ import annotations

import uuid

from services.notifier import repository
from services.notifier.repository import WebhookRecord
from shared.errors import NotFoundError, UnprocessableError
from shared.unit_of_work import UnitOfWork


async def subscribe(
    uow: UnitOfWork,
    partner_id: uuid.UUID,
    *,
    url: str,
    event_types: list[str],
    secret: str,
    limit: int,
) -> uuid.UUID:
    # Counted under the insert's transaction; two racing requests may pass one over, once.
    if await repository.count_webhooks(uow.session, partner_id) >= limit:
        raise UnprocessableError(
            f"You have {limit} subscriptions, the most a partner may; delete one first."
        )
    return await repository.add_webhook(
        uow.session, partner_id=partner_id, url=url, event_types=event_types, secret=secret
    )


async def of_partner(uow: UnitOfWork, partner_id: uuid.UUID) -> list[WebhookRecord]:
    return await repository.webhooks_of(uow.session, partner_id)


async def unsubscribe(uow: UnitOfWork, webhook_id: uuid.UUID, partner_id: uuid.UUID) -> None:
    if not await repository.delete_webhook(uow.session, webhook_id, partner_id):
        raise NotFoundError("No such subscription of yours.")
