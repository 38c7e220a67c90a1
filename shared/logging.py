"""JSON logs through structlog, with the request's correlation id and no personal data."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
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
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return str(value) if value else None


@contextmanager
def bind_correlation_id(correlation_id: str | None) -> Iterator[str]:
    """Carry the id of the request that started this work into every log line and event."""
    value = correlation_id or new_correlation_id()
    with structlog.contextvars.bound_contextvars(correlation_id=value):
        yield value
