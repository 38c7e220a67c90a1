"""JSON logs through structlog, with the request's correlation id and no personal data."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

# Never logged, whatever a call site passes: the policy promises confidentiality (clause 19).
PII_KEYS = frozenset(
    {
        "email",
        "name",
        "body",
        "subject",
        "text",
        "comment",
        "access_token",
        "token",
        "password",
        "customer",
        "recipient",
        "to",
        "from_",
        "phone",
    }
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def redact_pii(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    for key in list(event_dict):
        if key in PII_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(event_dict[key], str):
            event_dict[key] = EMAIL_RE.sub("[email]", event_dict[key])
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time: a CLI runner (tests, embedding
    programs) may swap it for a stream it later closes."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


def new_correlation_id() -> str:
    return uuid.uuid4().hex


# Its own variable beside structlog's copy for the logs: read for every event staged, and
# structlog's lookup walks every context variable there is.
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


@contextmanager
def bind_correlation_id(correlation_id: str | None) -> Iterator[str]:
    """Carry the id of the request that started this work into every log line and event."""
    value = correlation_id or new_correlation_id()
    token = _correlation_id.set(value)
    try:
        with structlog.contextvars.bound_contextvars(correlation_id=value):
            yield value
    finally:
        _correlation_id.reset(token)
