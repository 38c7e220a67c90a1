"""An incident's life: open while the failure lasts, resolved once, then read-only."""

from __future__ import annotations

from enum import StrEnum

from shared.errors import ConflictError


class Status(StrEnum):
    open = "open"
    resolved = "resolved"


class IncidentResolvedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("This incident is resolved: it takes no more tickets or updates.")


def check_open(status: Status) -> None:
    if status is not Status.open:
        raise IncidentResolvedError()
