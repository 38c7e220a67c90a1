"""A ticket's life cycle as an explicit state machine: plain Python, no I/O.

    received ──claim──▶ open ──▶ in_progress ◀──▶ waiting_customer / waiting_partner /
        │                 │           │             in_development
        └─────────────────┴───────────┴──▶ resolved ──▶ closed
                                              │
                                              └──▶ in_progress (reopen)

Agents move tickets with ``AGENT_MOVES``. The customer moves them too, by writing: a reply
while we wait for them resumes the work, and a reply after resolution reopens the ticket. The
partner a ticket waits on resumes it by answering.
Closed is final: a new problem is a new request. Every move is a ``ticket.status_changed``.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.contracts.events import PartnerRef, TicketStatus
from shared.errors import ConflictError, UnprocessableError

S = TicketStatus

# The stages of active work, between which an agent moves freely.
WORKING: tuple[TicketStatus, ...] = (
    S.in_progress,
    S.waiting_customer,
    S.waiting_partner,
    S.in_development,
)

# Where an agent may move a ticket from each status (POST /v1/tickets/{id}/transitions).
AGENT_MOVES: Mapping[TicketStatus, tuple[TicketStatus, ...]] = {
    S.received: (S.open, *WORKING, S.resolved),
    S.open: (*WORKING, S.resolved),
    **{status: (*(s for s in WORKING if s is not status), S.resolved) for status in WORKING},
    S.resolved: (S.in_progress, S.closed),
    S.closed: (),
}

# Where the customer's reply moves a ticket; statuses not listed do not change.
CUSTOMER_REPLY_MOVES: Mapping[TicketStatus, TicketStatus] = {
    S.waiting_customer: S.in_progress,  # the answer we waited for
    S.resolved: S.in_progress,  # reopen: the customer writes after resolution
}

# Where the answer of the partner a ticket waits on moves it (clauses 17, 25).
PARTNER_REPLY_MOVES: Mapping[TicketStatus, TicketStatus] = {S.waiting_partner: S.in_progress}

# Where an agent's public reply moves a ticket: someone is working on it now.
AGENT_REPLY_MOVES: Mapping[TicketStatus, TicketStatus] = {
    S.received: S.in_progress,
    S.open: S.in_progress,
}

# Claiming a ticket from the queue opens it.
CLAIM_MOVES: Mapping[TicketStatus, TicketStatus] = {S.received: S.open}

FINISHED: frozenset[TicketStatus] = frozenset({S.resolved, S.closed})


def _names(statuses: tuple[TicketStatus, ...]) -> str:
    return ", ".join(s.value for s in statuses) or "none: a closed ticket is final"


class IllegalTransitionError(ConflictError):
    """A move the life cycle does not allow; the message names the ones it does."""

    def __init__(self, current: TicketStatus, target: TicketStatus) -> None:
        allowed = AGENT_MOVES[current]
        super().__init__(
            f"A ticket that is {current.value} cannot move to {target.value}. "
            f"Allowed moves from {current.value}: {_names(allowed)}.",
            errors=[{"field": "to", "reason": f"allowed from {current.value}: {_names(allowed)}"}],
        )
        self.current, self.target, self.allowed = current, target, allowed


class TicketClosedError(ConflictError):
    def __init__(self) -> None:
        super().__init__(
            "This ticket is closed, and a closed ticket is final: please file a new request."
        )


class MissingDetailError(UnprocessableError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def allowed_moves(current: TicketStatus) -> tuple[TicketStatus, ...]:
    return AGENT_MOVES[current]


def check_details(target: TicketStatus, note: str | None, partner: PartnerRef | None) -> None:
    """What a move must carry: the resolution summary, or the partner we wait on."""
    if target is S.resolved and not (note and note.strip()):
        raise MissingDetailError(
            "note", "resolving needs the resolution summary the customer reads"
        )
    if target is S.waiting_partner and partner is None:
        raise MissingDetailError(
            "partner", "waiting on a partner needs the partner's name and reference"
        )
    if target is not S.waiting_partner and partner is not None:
        raise MissingDetailError("partner", "only when moving to waiting_partner")


def agent_move(current: TicketStatus, target: TicketStatus) -> TicketStatus:
    """The status after an agent asks for ``target``; raises naming the allowed moves."""
    if target not in AGENT_MOVES[current]:
        raise IllegalTransitionError(current, target)
    return target


def after_customer_reply(current: TicketStatus) -> TicketStatus | None:
    """The status a customer's reply moves the ticket to, or None if it stays."""
    if current is S.closed:
        raise TicketClosedError()
    return CUSTOMER_REPLY_MOVES.get(current)


def after_partner_reply(current: TicketStatus) -> TicketStatus:
    """A partner answers only while the ticket waits on it; its answer resumes the work."""
    if current not in PARTNER_REPLY_MOVES:
        raise ConflictError(
            f"This ticket is {current.value}, not waiting on a partner: the agents have it now.",
            errors=[{"field": "status", "reason": "a partner answers only while waiting_partner"}],
        )
    return PARTNER_REPLY_MOVES[current]


def after_agent_reply(current: TicketStatus, *, internal: bool) -> TicketStatus | None:
    """An agent's public reply starts the work; internal notes move nothing (and may be
    added to a closed ticket, for the record)."""
    if internal:
        return None
    if current is S.closed:
        raise TicketClosedError()
    return AGENT_REPLY_MOVES.get(current)


def after_claim(current: TicketStatus) -> TicketStatus | None:
    return CLAIM_MOVES.get(current)


class NotResolvedYetError(ConflictError):
    def __init__(self, current: TicketStatus) -> None:
        super().__init__(f"The ticket is {current.value}: it can be rated once it is resolved.")


class AlreadyRatedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("This resolution is already rated; thank you.")


def check_rating(current: TicketStatus, *, rated_since_resolution: bool) -> None:
    """A rating is of a resolution (clauses 13, 27): one per resolution, after it."""
    if current not in FINISHED:
        raise NotResolvedYetError(current)
    if rated_since_resolution:
        raise AlreadyRatedError()


def check_open_for_requests(current: TicketStatus) -> None:
    """Escalation requests and complexity need a ticket that is not closed."""
    if current is S.closed:
        raise TicketClosedError()
