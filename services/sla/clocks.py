"""The sla service's use cases: keep every ticket's clocks as intake's events arrive, raise
warnings and breaches as they fall due, extend a target with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.sla import repository
from services.sla.domain.clock import FINISHED, Alert, Target, TicketClock
from services.sla.repository import ClockRecord
from shared.contracts.events import (
    EscalationClosed,
    EscalationOpened,
    EventPayload,
    SlaAutoCloseDue,
    SlaBreached,
    SlaExtended,
    SlaMet,
    SlaTarget,
    SlaTargetsSet,
    SlaWarning,
    TicketCategorySet,
    TicketComplexitySet,
    TicketCreated,
    TicketMessageAdded,
    TicketStatusChanged,
)
from shared.db import wake_after_commit
from shared.errors import ConflictError, NotFoundError
from shared.policy.book import PolicyBook
from shared.policy.calendar import BusinessCalendar
from shared.policy.policy import Policy
from shared.unit_of_work import UnitOfWork


class ClockNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No SLA clock for this ticket.")


class ClockNotReadyError(RuntimeError):
    """An event about a ticket whose ticket.created has not been handled yet: retried later."""


def _superseded(latest: datetime | None, this: datetime) -> bool:
    """An agent's judgement older than the one applied already: events can arrive out of
    order, and the later judgement stands."""
    return latest is not None and this < latest


class SlaClocks:
    def __init__(self, book: PolicyBook) -> None:
        self.book = book

    def policy(self, record: ClockRecord) -> Policy:
        return self.book.version(record.clock.policy_version)

    def calendar(self, record: ClockRecord) -> BusinessCalendar:
        return self.book.calendar(record.clock.policy_version)

    # -- events from intake ---------------------------------------------------------------

    async def ticket_created(self, uow: UnitOfWork, payload: TicketCreated) -> None:
        if await repository.get_clock(uow.session, payload.ticket_id) is not None:
            return
        policy = self.book.at(payload.received_at)
        calendar = self.book.calendar(policy.version)
        record = ClockRecord(
            ticket_id=payload.ticket_id,
            number=payload.number,
            channel=payload.channel,
            category=payload.category,
            complexity=None,
            status=payload.status,
            status_changed_at=payload.received_at,
            clock_starts_at=calendar.next_open(payload.received_at),
            extension_minutes=0,
            history=[],
            first_reply_at=None,
            clock=TicketClock.start(
                policy_version=policy.version,
                received_at=payload.received_at,
                first_response_minutes=policy.targets.first_response_minutes,
                resolution_minutes=policy.targets.resolution_minutes(None),
            ),
        )
        due = self._save_plan(record)
        await repository.insert_clock(uow.session, record, due, self._next_check(record))
        first_due, resolution_due = due[SlaTarget.first_response], due[SlaTarget.resolution]
        assert first_due is not None and resolution_due is not None
        await self._publish(
            uow,
            record,
            SlaTargetsSet(
                ticket_id=record.ticket_id,
                number=record.number,
                policy_version=policy.version,
                received_at=payload.received_at,
                clock_starts_at=record.clock_starts_at,
                first_response_due_at=first_due,
                resolution_due_at=resolution_due,
            ),
        )

    async def status_changed(self, uow: UnitOfWork, payload: TicketStatusChanged) -> None:
        record = await self._existing(uow, payload.ticket_id)
        fact = (payload.changed_at, payload.to_status.value)
        if fact not in record.history:
            record.history.append(fact)
        latest = max(record.history)
        record.status_changed_at, record.status = latest
        await self._replay(uow, record)

    async def message_added(self, uow: UnitOfWork, payload: TicketMessageAdded) -> None:
        if not payload.first_response:
            return
        record = await self._existing(uow, payload.ticket_id)
        if record.first_reply_at is None or payload.added_at < record.first_reply_at:
            record.first_reply_at = payload.added_at
        await self._replay(uow, record)

    async def complexity_set(self, uow: UnitOfWork, payload: TicketComplexitySet) -> None:
        record = await self._existing(uow, payload.ticket_id)
        if _superseded(record.complexity_set_at, payload.set_at):
            return
        record.complexity, record.complexity_set_at = payload.complexity, payload.set_at
        policy = self.policy(record)
        minutes = policy.targets.resolution_minutes(payload.complexity.value)
        record.clock.set_resolution_budget(minutes + record.extension_minutes)
        await self._store(uow, record)

    async def category_set(self, uow: UnitOfWork, payload: TicketCategorySet) -> None:
        """Only the reports read the category; the targets do not depend on it (clause 7)."""
        record = await self._existing(uow, payload.ticket_id)
        if _superseded(record.category_set_at, payload.set_at):
            return
        record.category, record.category_set_at = payload.category, payload.set_at
        await self._store(uow, record)

    async def escalation_opened(self, uow: UnitOfWork, payload: EscalationOpened) -> None:
        """A senior's review starts: its own target on the business calendar."""
        policy = self.book.at(payload.opened_at)
        calendar = self.book.calendar(policy.version)
        budget = policy.targets.escalation_review_days * policy.targets.business_day_minutes
        target = Target(SlaTarget.escalation_review, budget, running_since=payload.opened_at)
        due_at = target.due_at(calendar)
        created = await repository.insert_review(
            uow.session,
            escalation_id=payload.escalation_id,
            ticket_id=payload.ticket_id,
            number=payload.number,
            policy_version=policy.version,
            opened_at=payload.opened_at,
            budget=budget,
            due_at=due_at,
            next_check_at=target.next_check(calendar, policy.targets.warning_threshold),
        )
        if created:
            wake_after_commit(uow.session, "clocks")

    async def escalation_closed(self, uow: UnitOfWork, payload: EscalationClosed) -> None:
        record = await repository.get_review(uow.session, payload.escalation_id, lock=True)
        if record is None:
            raise ClockNotReadyError(f"no review yet for escalation {payload.escalation_id}")
        calendar = self.book.calendar(record.policy_version)
        target = record.target
        if target.met_at is not None:
            return
        target.stop(payload.closed_at, calendar)
        target.met_at = payload.closed_at
        await repository.save_review(uow.session, record, None)
        await uow.stage(
            SlaMet(
                ticket_id=record.ticket_id,
                number=record.number,
                target=SlaTarget.escalation_review,
                met_at=payload.closed_at,
                business_minutes=target.used,
                within_target=target.used <= target.budget,
            ),
            subject=record.ticket_id,
        )

    # -- agents ---------------------------------------------------------------------------

    async def find(self, uow: UnitOfWork, ticket: str, *, lock: bool = False) -> ClockRecord:
        """A ticket's clock by the ticket's id or its number as people read it (SC-000042)."""
        try:
            ticket_id: uuid.UUID | None = uuid.UUID(ticket)
        except ValueError:
            ticket_id = None
            if len(ticket) <= 32 and ticket[:3].upper() == "SC-":
                ticket_id = await repository.ticket_id_by_number(uow.session, ticket.upper())
        record = None
        if ticket_id is not None:
            record = await repository.get_clock(uow.session, ticket_id, lock=lock)
        if record is None:
            raise ClockNotFoundError()
        return record

    async def history(
        self, uow: UnitOfWork, ticket: str
    ) -> tuple[ClockRecord, list[repository.ExtensionRecord]]:
        """A ticket's clock with every extension it was given, oldest first."""
        record = await self.find(uow, ticket)
        return record, await repository.extensions_of(uow.session, record.ticket_id)

    async def find_many(self, uow: UnitOfWork, ticket_ids: list[uuid.UUID]) -> list[ClockRecord]:
        """The clocks of these tickets that have one, in one query (a page of the queue)."""
        return await repository.get_clocks(uow.session, ticket_ids)

    async def extend(
        self,
        uow: UnitOfWork,
        ticket: str,
        *,
        business_days: int,
        reason: str,
        agent_id: uuid.UUID,
    ) -> ClockRecord:
        record = await self.find(uow, ticket, lock=True)
        ticket_id = record.ticket_id
        if record.status in FINISHED:
            # Clause 26 promises more time for work still to do; a finished ticket has none.
            raise ConflictError(
                f"The ticket is {record.status}: only a ticket still being worked on can be"
                " extended (reopen it first)."
            )
        minutes = business_days * self.policy(record).targets.business_day_minutes
        record.extension_minutes += minutes
        record.clock.resolution.budget += minutes
        now = datetime.now(UTC)
        await repository.add_extension(
            uow.session,
            ticket_id=ticket_id,
            business_days=business_days,
            reason=reason,
            agent_id=agent_id,
            created_at=now,
        )
        due = await self._store(uow, record)
        await self._publish(
            uow,
            record,
            SlaExtended(
                ticket_id=ticket_id,
                number=record.number,
                business_days=business_days,
                reason=reason,
                resolution_due_at=due[SlaTarget.resolution],
                extended_at=now,
            ),
        )
        return record

    # -- the scan -------------------------------------------------------------------------

    async def scan(self, uow: UnitOfWork, now: datetime, *, lock: bool) -> int:
        """Raise every warning and breach due by ``now``, once each; returns clocks checked."""
        records = await repository.clocks_due(uow.session, now, limit=500, lock=lock)
        for record in records:
            calendar = self.calendar(record)
            threshold = self.policy(record).targets.warning_threshold
            for alert, target, due_at in record.clock.due_alerts(now, calendar, threshold):
                payload = _alert(
                    alert, record.ticket_id, record.number, target, calendar, due_at, now
                )
                await self._publish(uow, record, payload)
            await self._raise_auto_close(uow, record, now)
            await self._store(uow, record)
        reviews = await repository.reviews_due(uow.session, now, limit=500, lock=lock)
        for review in reviews:
            policy = self.book.version(review.policy_version)
            calendar = self.book.calendar(review.policy_version)
            threshold = policy.targets.warning_threshold
            for alert, due_at in review.target.due_alerts(now, calendar, threshold):
                payload = _alert(
                    alert, review.ticket_id, review.number, review.target, calendar, due_at, now
                )
                await uow.stage(payload, subject=review.ticket_id)
            await repository.save_review(
                uow.session, review, review.target.next_check(calendar, threshold)
            )
        return len(records) + len(reviews)

    # -- internals ------------------------------------------------------------------------

    async def _existing(self, uow: UnitOfWork, ticket_id: uuid.UUID) -> ClockRecord:
        record = await repository.get_clock(uow.session, ticket_id, lock=True)
        if record is None:
            raise ClockNotReadyError(f"no clock yet for ticket {ticket_id}")
        return record

    async def _replay(self, uow: UnitOfWork, record: ClockRecord) -> None:
        """Re-derive the clocks from the facts; tell of every target newly met."""
        clock = record.clock
        before = {target.name: target.met_at for target in clock.targets}
        paused = frozenset(self.policy(record).targets.pause_while)
        clock.replay(record.history, record.first_reply_at, self.calendar(record), paused)
        self._plan_auto_close(record)
        for target in clock.targets:
            if target.met_at is not None and target.met_at != before[target.name]:
                await self._publish(
                    uow,
                    record,
                    SlaMet(
                        ticket_id=record.ticket_id,
                        number=record.number,
                        target=target.name,
                        met_at=target.met_at,
                        business_minutes=target.used,
                        within_target=target.used <= target.budget,
                        first_response_minutes=(
                            clock.first_response.used
                            if target is clock.resolution and clock.first_response.met_at
                            else None
                        ),
                    ),
                )
        await self._store(uow, record)

    def _plan_auto_close(self, record: ClockRecord) -> None:
        """While resolved, the ticket closes by itself after the policy's business days; a
        reply reopens it and cancels that."""
        resolved_at = record.clock.resolution.met_at
        if record.status != "resolved" or resolved_at is None:
            record.auto_close_at = record.auto_close_raised_at = None
            return
        targets = self.policy(record).targets
        due = self.calendar(record).add(
            resolved_at, targets.auto_close_days * targets.business_day_minutes
        )
        if due != record.auto_close_at:
            record.auto_close_at, record.auto_close_raised_at = due, None

    async def _raise_auto_close(self, uow: UnitOfWork, record: ClockRecord, now: datetime) -> None:
        due = record.auto_close_at
        resolved_at = record.clock.resolution.met_at
        if due is None or resolved_at is None or record.auto_close_raised_at or due > now:
            return
        record.auto_close_raised_at = now
        await self._publish(
            uow,
            record,
            SlaAutoCloseDue(
                ticket_id=record.ticket_id,
                number=record.number,
                resolved_at=resolved_at,
                due_at=due,
            ),
        )

    def _save_plan(self, record: ClockRecord) -> dict[SlaTarget, datetime | None]:
        calendar = self.calendar(record)
        return {target.name: target.due_at(calendar) for target in record.clock.targets}

    def _next_check(self, record: ClockRecord) -> datetime | None:
        threshold = self.policy(record).targets.warning_threshold
        moments = [record.clock.next_check(self.calendar(record), threshold)]
        if record.auto_close_raised_at is None:
            moments.append(record.auto_close_at)
        pending = [moment for moment in moments if moment is not None]
        return min(pending) if pending else None

    async def _store(
        self, uow: UnitOfWork, record: ClockRecord
    ) -> dict[SlaTarget, datetime | None]:
        due = self._save_plan(record)
        await repository.save_clock(uow.session, record, due, self._next_check(record))
        wake_after_commit(uow.session, "clocks")
        return due

    async def _publish(self, uow: UnitOfWork, record: ClockRecord, payload: EventPayload) -> None:
        await uow.stage(payload, subject=record.ticket_id)


def _alert(
    alert: Alert,
    ticket_id: uuid.UUID,
    number: str,
    target: Target,
    calendar: BusinessCalendar,
    due_at: datetime,
    now: datetime,
) -> EventPayload:
    """The event for a warning (when the target falls due) or a breach (when it fell due)."""
    if alert is Alert.warning:
        return SlaWarning(
            ticket_id=ticket_id,
            number=number,
            target=target.name,
            due_at=target.due_at(calendar) or due_at,
        )
    return SlaBreached(
        ticket_id=ticket_id, number=number, target=target.name, due_at=due_at, breached_at=now
    )
