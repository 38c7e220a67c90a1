"""Telling staff what they must act on: a ``staff.notified`` event for the agent console and,
as each person chose, a mail; and the scan that tells agents of new requests nobody took.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import repository
from services.notifier.domain import staff
from services.notifier.domain.notifications import format_moment
from services.notifier.domain.staff import Delivery, StaffMember
from shared.contracts.events import SlaTarget, StaffNoticeKind, StaffNotified
from shared.db import wake_after_commit
from shared.errors import ConflictError
from shared.policy.book import PolicyBook
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

TARGET_WORDS = {
    "ru": {SlaTarget.first_response: "первого ответа", SlaTarget.resolution: "решения"},
    "en": {SlaTarget.first_response: "first response", SlaTarget.resolution: "resolution"},
}


async def tell(
    uow: UnitOfWork,
    members: Iterable[StaffMember],
    *,
    kind: StaffNoticeKind,
    cause: str,
    cause_type: str,
    ticket_id: uuid.UUID,
    number: str,
    escalation_id: uuid.UUID | None = None,
    target: SlaTarget | None = None,
    due_at: datetime | None = None,
) -> int:
    """Tell each of ``members`` of one thing (``cause``: the event or moment it came from, so
    that a redelivery tells no one twice); how many were told."""
    now, told = datetime.now(UTC), 0
    for member in members:
        choice = member.delivery(kind)
        if choice is Delivery.off:
            continue
        by_mail = choice is Delivery.mail
        if by_mail:
            context: dict[str, object] = {
                "number": number,
                "target": TARGET_WORDS[member.language][target] if target else None,
                "due_at": format_moment(due_at, member.language),
            }
            added = await repository.add_delivery(
                uow.session,
                event_id=cause,
                event_type=cause_type,
                ticket_id=ticket_id,
                channel="email",
                recipient=member.email,
                template=staff.mail_template(kind),
                language=member.language,
                context=context,
                next_attempt_at=now,
            )
            if not added:
                continue  # told already
            wake_after_commit(uow.session, "deliveries")
        notice = StaffNotified(
            notification_id=staff.notification_id(cause, member.email),
            kind=kind,
            staff_id=member.staff_id,
            email=member.email,
            ticket_id=ticket_id,
            number=number,
            escalation_id=escalation_id,
            target=target.value if target else None,
            due_at=due_at,
            by_mail=by_mail,
            notified_at=now,
        )
        await uow.stage(notice, subject=ticket_id)
        told += 1
    return told


SCAN_INTERVAL_SECONDS = 15.0
BATCH = 100


class WaitingAlerts:
    """Tells every agent at work of a new request that nobody has taken for
    ``SVIFTDESK_STAFF_WAITING_ALERT_MINUTES`` business minutes. The due time lives in the
    ticket's row and is cleared in the transaction that tells, so each request is told of
    once, whatever the replicas and restarts."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._wakeup = Wakeup()

    async def run(self) -> None:
        while True:
            try:
                told = await self.tick()
            except Exception:
                if cancelled():
                    raise
                log.exception("staff.waiting_scan_failed")
                told = 0
            if told < BATCH:
                await self._wakeup.wait(SCAN_INTERVAL_SECONDS)

    async def tick(self, now: datetime | None = None) -> int:
        """Tell of the requests due by ``now``; how many requests were due."""
        now = now or datetime.now(UTC)
        async with self._runtime.unit_of_work() as uow:
            due = await repository.due_waiting_alerts(
                uow.session, now, limit=BATCH, lock=uow.locks_rows
            )
            if not due:
                return 0
            agents = await repository.staff_on_duty(
                uow.session, staff.BROADCAST_ROLES[StaffNoticeKind.request_waiting], now
            )
            for row in due:
                await repository.set_waiting_alert(uow.session, row.ticket_id, None)
                cause = uuid.uuid5(
                    uuid.NAMESPACE_URL, f"sviftdesk:waiting:{row.ticket_id}:{row.alert_at}"
                )
                await tell(
                    uow,
                    agents,
                    kind=StaffNoticeKind.request_waiting,
                    cause=str(cause),
                    cause_type="staff.request_waiting",
                    ticket_id=row.ticket_id,
                    number=row.number,
                )
            log.info("staff.requests_waiting", tickets=len(due), staff=len(agents))
            return len(due)


def waiting_alert_at(book: PolicyBook, since: datetime, minutes: int) -> datetime | None:
    """When agents hear that a request waiting since ``since`` still waits: after ``minutes``
    on the desk's clock (a request of the weekend is news on Monday morning); None: never."""
    if minutes <= 0:
        return None
    return book.calendar(book.at(since).version).add(since, minutes)


# -- each person's choices (the API) ------------------------------------------------------------


class StaffNotKnownError(ConflictError):
    pass


async def _member(session: AsyncSession, staff_id: uuid.UUID) -> StaffMember:
    member = await repository.staff_member(session, staff_id)
    if member is None:
        raise StaffNotKnownError(
            "The notifier has not heard of this staff token yet (staff.registered): try again "
            "in a moment."
        )
    return member


async def preferences_of(uow: UnitOfWork, staff_id: uuid.UUID) -> StaffMember:
    return await _member(uow.session, staff_id)


async def change_preferences(
    uow: UnitOfWork,
    staff_id: uuid.UUID,
    *,
    language: str | None,
    choices: Mapping[StaffNoticeKind, Delivery],
) -> StaffMember:
    """Change the kinds given (and the language of the mail); the others stay as they were.
    Chosen by address, so they hold for every token the person is issued."""
    member = await _member(uow.session, staff_id)
    merged = {**member.choices, **choices}
    await repository.save_preferences(
        uow.session,
        member.email,
        language=language or member.language,
        choices=merged,
        at=datetime.now(UTC),
    )
    return await _member(uow.session, staff_id)
