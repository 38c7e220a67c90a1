"""Bugs to development (clause 12): record a forward, send it until the tracker accepts it,
and hear back when the fix ships.

A forward is a row first and an HTTP call after, from a worker: the agent's request never
waits on the tracker, a forward survives restarts and outages (never lost), and every try
carries the forward's id as Idempotency-Key, so the tracker files it once (never doubled).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from services.escalation import repository
from services.escalation.domain import development
from services.escalation.repository import Forward
from shared.auth import Principal
from shared.contracts.events import DevelopmentFixReleased, DevelopmentForwarded
from shared.db import wake_after_commit
from shared.errors import ConflictError, NotFoundError
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork
from shared.wakeup import Wakeup, cancelled

log = structlog.get_logger(__name__)

# However long the tracker has been down, a waiting forward is looked at this often at least.
MAX_IDLE_SECONDS = 5.0
BUSY_ELSEWHERE_SECONDS = 0.5


class TicketNotKnownError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No ticket with this id has reached the escalation service.")


class NoForwardMatchesError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No forward matches these forward_ids or references.")


class TrackerRefusedError(RuntimeError):
    pass


class TrackerTooSlowError(RuntimeError):
    pass


async def request(
    uow: UnitOfWork, ticket_id: uuid.UUID, by: Principal, *, summary: str
) -> tuple[Forward, bool]:
    """Record a forward; True if new. A retry of the same request gets the same forward."""
    ticket = await repository.get_ticket(uow.session, ticket_id)
    if ticket is None:
        raise TicketNotKnownError()
    now = datetime.now(UTC)
    forward_id = uuid.uuid4()
    created = await repository.insert_forward(
        uow.session,
        id=forward_id,
        ticket_id=ticket_id,
        number=ticket.number,
        summary=summary,
        requested_by=by.subject,
        requested_at=now,
        next_attempt_at=now,
    )
    if created:
        wake_after_commit(uow.session, "forwards")
        row = await repository.get_forward(uow.session, forward_id)
        assert row is not None
        return row, True
    existing = await repository.active_forward_of(uow.session, ticket_id)
    if existing is None:  # released a moment ago: the agent may simply try again
        raise ConflictError("This ticket's previous forward just changed; try again.")
    if existing.summary != summary:
        raise ConflictError(
            f"This ticket is already with development (forward {existing.id}); "
            "a new forward is possible once its fix is released."
        )
    return existing, False


async def forwards_of(uow: UnitOfWork, ticket_id: uuid.UUID) -> list[Forward]:
    return await repository.forwards_of_ticket(uow.session, ticket_id)


@dataclass(frozen=True)
class Release:
    forwards: list[Forward]
    newly_released: list[uuid.UUID]


async def fix_released(
    uow: UnitOfWork,
    *,
    release: str,
    notes: str | None,
    forward_ids: Sequence[uuid.UUID],
    references: Sequence[str],
) -> Release:
    """The tracker shipped a fix: every ticket of the matching forwards is told, once."""
    rows = await repository.forwards_matching(uow.session, forward_ids, references)
    if not rows:
        raise NoForwardMatchesError()
    new = [row for row in rows if row.released_at is None]
    if new:
        now = datetime.now(UTC)
        ids = [row.id for row in new]
        await repository.mark_forwards_released(uow.session, ids, release=release, at=now)
        await uow.stage(
            DevelopmentFixReleased(
                release=release,
                notes=notes,
                forward_ids=ids,
                ticket_ids=list(dict.fromkeys(row.ticket_id for row in new)),
                released_at=now,
            ),
        )
    return Release(rows, [row.id for row in new])


class TrackerSender:
    """Sends due forwards one by one; a failure waits a growing delay, then tries again."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime, self._db = runtime, runtime.db
        tracker = runtime.settings.tracker
        self._url = tracker.tracker_url
        self._secret = tracker.tracker_secret
        self._delays = tracker.tracker_retry_delays_ms
        self._timeout = tracker.tracker_timeout_seconds
        self._wakeup = Wakeup()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        if self._url is None:
            log.warning("development.tracker_not_configured", hint="set SVIFTDESK_TRACKER_URL")
            return
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
            while True:
                try:
                    while await self.send_next(http):
                        pass
                    idle = await self._idle_seconds()
                except Exception:
                    if cancelled():
                        raise
                    log.exception("development.sender_failed")
                    idle = 1.0
                await self._wakeup.wait(idle)

    async def _idle_seconds(self) -> float:
        async with self._db.sessions() as session:
            due = await repository.next_forward_due_at(session)
        if due is None:
            return MAX_IDLE_SECONDS
        wait = (due - datetime.now(UTC)).total_seconds()
        if wait <= 0:  # due, yet not ours: another replica is sending it right now
            return BUSY_ELSEWHERE_SECONDS
        return min(wait, MAX_IDLE_SECONDS)

    async def send_next(self, http: httpx.AsyncClient) -> bool:
        """Try the next due forward, in its own transaction; False when none is due."""
        assert self._url is not None
        async with self._runtime.unit_of_work() as uow:
            session = uow.session
            row = await repository.next_due_forward(session, datetime.now(UTC), lock=uow.locks_rows)
            if row is None:
                return False
            ticket = await repository.get_ticket(session, row.ticket_id)
            body = development.encode(
                development.tracker_payload(
                    forward_id=row.id,
                    number=row.number,
                    summary=row.summary,
                    category=ticket.category if ticket else None,
                    channel=ticket.channel if ticket else "unknown",
                    requested_at=row.requested_at,
                )
            )
            try:
                answer = await self._post(http, body, self._headers(row, body))
            except (httpx.HTTPError, TrackerRefusedError, TrackerTooSlowError) as exc:
                delay = development.retry_delay(row.attempts + 1, self._delays)
                log.warning(
                    "development.forward_failed",
                    forward_id=str(row.id),
                    attempt=row.attempts + 1,
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in=delay,
                )
                await repository.mark_forward_failed(
                    session,
                    row.id,
                    error=f"{type(exc).__name__}: {exc}",
                    retry_at=datetime.now(UTC) + timedelta(seconds=delay),
                )
                return True
            now = datetime.now(UTC)
            reference = development.tracker_reference(answer)
            await repository.mark_forward_sent(session, row.id, reference=reference, at=now)
            await uow.stage(
                DevelopmentForwarded(
                    forward_id=row.id,
                    ticket_id=row.ticket_id,
                    number=row.number,
                    tracker_reference=reference,
                    requested_at=row.requested_at,
                    forwarded_at=now,
                ),
                subject=row.ticket_id,
            )
            log.info("development.forwarded", forward_id=str(row.id), attempts=row.attempts + 1)
            return True

    async def _post(self, http: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> bytes:
        """The tracker's answer, read to at most MAX_ANSWER_BYTES (enough for a reference).

        httpx's timeout bounds each read, not the whole exchange: a tracker that drips a byte
        at a time would hold this forward's row lock, and the sender, for ever. The setting is
        the whole exchange's deadline."""
        assert self._url is not None
        answer = bytearray()
        try:
            async with (
                asyncio.timeout(self._timeout),
                http.stream("POST", self._url, content=body, headers=headers) as response,
            ):
                if not response.is_success:
                    raise TrackerRefusedError(f"HTTP {response.status_code}")
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) > development.MAX_ANSWER_BYTES:
                        break  # filed all the same; an answer this long names no reference
        except TimeoutError:
            raise TrackerTooSlowError(f"no whole answer within {self._timeout:g} s") from None
        return bytes(answer)

    def _headers(self, row: Forward, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            development.IDEMPOTENCY_HEADER: str(row.id),
        }
        if self._secret is not None:
            timestamp = int(time.time())
            headers[development.TIMESTAMP_HEADER] = str(timestamp)
            headers[development.SIGNATURE_HEADER] = development.sign(
                self._secret.get_secret_value(), timestamp, body
            )
        return headers
