"""The senior queue's rules: who may claim an escalation and who may close it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from shared.auth import Principal, Role
from shared.contracts.events import SlaTarget
from shared.errors import ConflictError


class Status(StrEnum):
    open = "open"  # waiting in the senior queue
    assigned = "assigned"  # a senior specialist is reviewing it
    closed = "closed"


class ClaimedByAnotherError(ConflictError):
    def __init__(self) -> None:
        super().__init__("Another senior specialist has already claimed this escalation.")


class ClosedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("This escalation is closed; a new request opens a new one.")


class NotClaimedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("Claim this escalation before closing it.")


def can_claim(status: Status, assignee_id: uuid.UUID | None, by: Principal) -> bool:
    """True if ``by`` may take it now; False if it is already theirs (a retry); else raises."""
    if status is Status.closed:
        raise ClosedError()
    if status is Status.assigned:
        if assignee_id == by.subject:
            return False
        raise ClaimedByAnotherError()
    return True


def check_close(status: Status, assignee_id: uuid.UUID | None, by: Principal) -> None:
    """The reviewer who claimed it closes it; an admin may close any open escalation."""
    if status is Status.closed:
        raise ClosedError()
    if by.role is Role.admin:
        return
    if status is Status.open:
        raise NotClaimedError()
    if assignee_id != by.subject:
        raise ClaimedByAnotherError()


def breach_reason(target: SlaTarget, due_at: datetime) -> str:
    what = target.value.replace("_", " ")
    return f"The {what} target was missed (due {due_at.isoformat()})."
