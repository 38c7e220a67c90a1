"""The sender's use cases, each on the unit of work of one of its rounds (``sender.py`` opens
them and does the sending in between, outside any): take up what is due, lease what will be
sent, and record how an attempt went.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from services.notifier import repository
from services.notifier.domain import notifications, webhooks
from services.notifier.domain.notifications import ACCESS_LINKS
from services.notifier.repository import DeliveryRecord, DueDelivery, WebhookRecord
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DueRound:
    """What is due: the deliveries to send, oldest first, and how many were settled without
    sending (erased, or held back for coalescing): work done all the same."""

    ready: list[DueDelivery]
    settled: int


async def due(
    uow: UnitOfWork,
    now: datetime,
    *,
    limit: int,
    without_mail: bool,
    without_webhooks: Collection[str],
    coalesce_window: timedelta,
) -> DueRound:
    """Take up to ``limit`` due deliveries, locked against other replicas' senders where rows
    lock, leaving out the lanes given; settle those that are not to be sent."""
    rows = await repository.due_deliveries(
        uow.session,
        now,
        limit=limit,
        lock=uow.locks_rows,
        without_mail=without_mail,
        without_webhooks=without_webhooks,
    )
    ready, settled = [], 0
    for row in rows:
        if row.channel == "email" and row.erased_at is not None:
            # Recorded by a handler that read the contact just before the erasure.
            await repository.erase_delivery(uow.session, row)
            log.info("delivery.erased", delivery_id=str(row.id))
            settled += 1
        elif await _coalesced(uow, row, now, coalesce_window):
            settled += 1
        else:
            ready.append(row)
    return DueRound(ready, settled)


async def _coalesced(
    uow: UnitOfWork, row: DeliveryRecord, now: datetime, window: timedelta
) -> bool:
    """Whether a bare stage notice is held back: it waits out the coalescing window, then
    is dropped if another mail about the ticket, recorded within the window, says as much
    (an agent's claim and reply make one mail, the reply, not three)."""
    if (
        not window
        or row.channel != "email"
        or row.ticket_id is None
        or not notifications.coalescible(row.template, row.context)
    ):
        return False
    if now < row.created_at + window:
        await repository.postpone(uow.session, row.id, row.created_at + window)
        return True
    since, until = row.created_at - window, row.created_at + window
    others = await repository.mail_about(uow.session, row.ticket_id, row.recipient, since, until)
    notice = notifications.MailRecord(row.id, row.template, True, row.created_at)
    by = notifications.superseded_by(notice, others, window)
    if by is None:
        return False
    await repository.mark_superseded(uow.session, row.id, by)
    log.info("delivery.superseded", delivery_id=str(row.id), by=str(by.id))
    return True


async def lease(
    uow: UnitOfWork, taken: Sequence[DeliveryRecord], until: datetime
) -> dict[str, WebhookRecord]:
    """Lease the deliveries about to be sent until ``until`` (a sender that dies meanwhile
    leaves them to another); the webhook subscriptions they go to, by id."""
    ids = {uuid.UUID(row.recipient) for row in taken if row.channel == "webhook"}
    subscriptions = await repository.webhooks_by_id(uow.session, ids)
    await repository.lease(uow.session, [row.id for row in taken], until)
    return subscriptions


async def record_failure(
    uow: UnitOfWork,
    row: DeliveryRecord,
    *,
    error: str,
    retry_at: datetime | None,
    endpoint_paused_until: datetime | None,
    failures_to_pause: int,
) -> None:
    """A failed attempt: tried again at ``retry_at``, or parked (None). An endpoint paused by
    this failure holds its waiting deliveries until the pause ends, and they say why."""
    await repository.mark_failed_attempt(uow.session, row.id, error=error, retry_at=retry_at)
    if endpoint_paused_until is not None:
        note = (
            f"{error}; endpoint paused after {failures_to_pause} failures "
            f"in a row, until {endpoint_paused_until:%Y-%m-%d %H:%M:%S} UTC"
        )
        await repository.pause_endpoint(
            uow.session, row.recipient, until=endpoint_paused_until, note=note
        )


async def record_sent(uow: UnitOfWork, row: DeliveryRecord, reference: str) -> None:
    """A delivery sent (``reference``: the mail's Message-ID, or the endpoint's status)."""
    # Once the receipt is out, the customer's key is no longer ours to keep (clause 19).
    secret = (*webhooks.ACCESS_FIELDS, ACCESS_LINKS)
    kept = {key: value for key, value in row.context.items() if key not in secret}
    await repository.mark_sent(
        uow.session, row.id, message_id=reference, at=datetime.now(UTC), context=kept
    )
