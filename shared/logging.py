"""JSON logs through structlog, with the request's correlation id and no personal data.

Everything goes the same way: our own events, the standard library's and uvicorn's records,
and the tracebacks of errors, which keep where it failed and the kind of error but not what
the error says (an exception's text can quote a customer, or a query's parameters)."""

from __future__ import annotations

import logging
import re
import sys
import traceback
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
# A key in an address (a receipt link, a beta link) or a bearer token in a header's text.
SECRET_RE = re.compile(r"(?i)((?:[?&#](?:access_token|token|key)=)|(?:bearer\s+))[^&\s\"']+")


def _scrub(text: str) -> str:
    return SECRET_RE.sub(r"\1[redacted]", EMAIL_RE.sub("[email]", text))


def redact_pii(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    for key in list(event_dict):
        if key in PII_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(event_dict[key], str):
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def describe_error(exc: BaseException) -> str:
    """An exception's kind, and what it says only where that cannot be a customer's data:
    a failed query keeps its SQL (placeholders, not values), a network error its reason."""
    kind = type(exc).__qualname__
    statement = getattr(exc, "statement", None)
    if isinstance(statement, str):
        # sqlalchemy's StatementError: its text holds the parameters, and the driver's error
        # (``orig``) may quote a row ("Key (email)=(…) already exists").
        cause = type(getattr(exc, "orig", None) or exc).__qualname__
        return f"{kind}: {cause} [SQL: {' '.join(statement.split())[:500]}]"
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError):
        return f"{kind}: {exc}"
    return kind


def safe_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and of the errors it came from, with ``describe_error`` in
    place of each one's message; frames show code lines, never variables."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    parts = []
    for error in reversed(chain):
        frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
        parts.append(
            "Traceback (most recent call last):\n" + "".join(frames) + describe_error(error)
        )
    return "\n\nwhich led to\n\n".join(parts)


def safe_exc_info(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """Instead of structlog's format_exc_info: the traceback as ``safe_traceback`` gives it."""
    given = event_dict.pop("exc_info", None)
    exc: BaseException | None = None
    if given is True:
        exc = sys.exc_info()[1]
    elif isinstance(given, BaseException):
        exc = given
    elif isinstance(given, tuple) and len(given) == 3:
        exc = given[1]
    if exc is not None:
        event_dict["exception"] = safe_traceback(exc)
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time: a CLI runner (tests, embedding
    programs) may swap it for a stream it later closes."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _Redacting(logging.StreamHandler):  # type: ignore[type-arg]
    """The standard library's records (uvicorn's, libraries') rendered like ours."""


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    chain: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        safe_exc_info,
        redact_pii,
    ]
    structlog.configure(
        processors=[*chain, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    handler = _Redacting(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=chain,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    # Replace only our own handler: a test's capturing handler stays.
    for old in [h for h in root.handlers if isinstance(h, _Redacting)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # Libraries' chatter from warnings up; uvicorn's start and stop messages at our level.
    root.setLevel(logging.WARNING)
    logging.getLogger("uvicorn").setLevel(level)


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
