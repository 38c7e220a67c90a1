"""One way in for a message, whichever door it came by (the SMTP listener, the IMAP poller or
a mail provider's webhook): read beside the event loop, then recorded with what it causes in
one unit of work, committed before the door answers, so that a sender told "accepted" never
loses mail. Raises only if the database fails, so that the sender is told to try again.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy.exc import IntegrityError

from services.intake.mail import inbound
from services.intake.mail.schemas import InboundMailOut, InboundOutcome
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


async def take(
    runtime: ServiceRuntime,
    raw: bytes,
    *,
    envelope_sender: str | None,
    recipients: Sequence[str],
    via: str,
    throttled: str | None = None,
) -> InboundMailOut:
    """Record one raw message and do what it asks; a resent message changes nothing and
    answers as the first time. ``throttled``: why the door throttled it (kept, not filed)."""
    arrival = await inbound.arrive(runtime, raw)
    try:
        async with runtime.unit_of_work() as uow:
            answer = await inbound.receive(
                uow,
                runtime,
                arrival,
                envelope_sender=envelope_sender,
                recipients=recipients,
                via=via,
                throttled=throttled,
            )
    except IntegrityError:
        # The same message, delivered twice at once: the other delivery recorded it. This
        # unit rolled back, so its answer is read in a second one.
        async with runtime.reading_unit() as uow:
            seen = await inbound.received_before(uow, arrival)
        if seen is None:
            raise
        return seen
    if not answer.duplicate:
        log_event = log.warning if answer.outcome is InboundOutcome.rejected else log.info
        # No addresses or subjects here: the log is no place for personal data (clause 19).
        log_event(
            "inbound_mail.received",
            id=str(answer.id),
            via=via,
            outcome=answer.outcome.value,
            reason=answer.reason,
            number=answer.number,
        )
    return answer
