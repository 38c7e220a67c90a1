"""Errors a client can cause, as typed exceptions mapped to RFC 9457 problem responses."""

from __future__ import annotations

import json
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sqlalchemy_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.contracts.api import Problem

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger(__name__)


class ProblemError(Exception):
    """Base of client errors: status, a short title and a detail a person can act on."""

    status = 400
    title = "Bad request"
    headers: dict[str, str] | None = None  # e.g. Retry-After on a 429

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFoundError(ProblemError):
    status, title = 404, "Not found"


class ConflictError(ProblemError):
    status, title = 409, "Conflict"


class UnprocessableError(ProblemError):
    status, title = 422, "Unprocessable request"


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field: not part of this API"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _limit(error: dict[str, Any]) -> dict[str, Any]:
    ctx = error.get("ctx") or {}
    for bound in ("max_length", "min_length", "le", "ge", "lt", "gt"):
        if isinstance(ctx.get(bound), int | float):
            return {"limit": ctx[bound]}
    return {}


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e["type"] == "json_invalid" for e in raw):
        where = next(e for e in raw if e["type"] == "json_invalid")
        reason = where.get("ctx", {}).get("error", "invalid JSON")
        return problem(400, "Malformed JSON", f"The request body is not valid JSON: {reason}.")
    errors = [
        {"field": _field(tuple(e["loc"])), "reason": _reason(e), "code": e["type"]} | _limit(e)
        for e in raw
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem(422, "Invalid request", detail, errors)


async def _problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), str(exc.detail))


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # The route's template, not the path: a path can hold an address or a key. The traceback
    # is logged without the error's text (shared.logging), and the caller learns nothing.
    route = getattr(request.scope.get("route"), "path", "unmatched")
    log.error("request.failed", method=request.method, route=route, exc_info=exc)
    return problem(500, "Internal error", "Something failed on our side; it has been logged.")


# Problem answers any operation may give, and those of an operation that takes a token.
ANY_OPERATION = {
    "400": "Malformed request",
    "413": "Body too large",
    "422": "Invalid field; the answer names it",
    "503": "The database is not reachable just now: retry after Retry-After seconds",
}
WITH_A_TOKEN = {"401": "No valid token, or a revoked one", "403": "The token does not allow this"}


def document_problem_responses(app: FastAPI) -> None:
    """Make the OpenAPI document say what 4xx answers really are: application/problem+json
    (FastAPI files a response model under application/json), on every operation that can
    give them, so a client generated from it expects them."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, part in {**definition.pop("$defs", {}), "Problem": definition}.items():
            components.setdefault(name, part)
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, response in responses.items():
                    content = response.get("content", {})
                    if str(status)[:1] in ("4", "5") and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
                possible = {**ANY_OPERATION, **(WITH_A_TOKEN if operation.get("security") else {})}
                for status, description in possible.items():
                    responses.setdefault(status, {"description": description, "content": problem})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_NUL_ESCAPE = b"\\u0000"
_NUL_REASON = "contains a NUL character (U+0000), which text may not hold"


def _nul_path(value: Any, path: tuple[int | str, ...] = ()) -> tuple[int | str, ...] | None:
    """Where in a parsed JSON body a string holds U+0000, if anywhere (keys included)."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return (*where, key)
                stack.append(((*where, key), child))
        elif isinstance(item, list):
            stack.extend(((*where, index), child) for index, child in enumerate(item))
    return None


async def refuse_nul_text(request: Request) -> None:
    """No text field of any service takes U+0000: PostgreSQL's text cannot store it (a 500
    there before, with the customer's data in the log line), and no person types it. The
    body is walked only when its bytes hold the escape, so the usual request pays one scan."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "")
            raise UnprocessableError(
                f"{field}: {_NUL_REASON}", errors=[{"field": field, "reason": _NUL_REASON}]
            )
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type:
        return  # raw mail and other non-JSON bodies are read by their own endpoints
    body = await request.body()
    if _NUL_ESCAPE not in body:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # FastAPI answers malformed JSON itself
    where = _nul_path(data)
    if where is not None:
        field = _field(where)
        raise UnprocessableError(
            f"{field}: {_NUL_REASON}", errors=[{"field": field, "reason": _NUL_REASON}]
        )


# A database that is restarting, unreachable or busy is a wait, not an error: the client is
# told to come back (with its Idempotency-Key, which gets it its one ticket).
DATABASE_RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (
    sqlalchemy_exc.OperationalError,
    sqlalchemy_exc.InterfaceError,
    sqlalchemy_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)


# PostgreSQL's SQLSTATEs of a server that cannot serve now: connection exceptions (class 08),
# a server shutting down or starting (57P01-57P03), too many connections, and a database that
# does not take connections (55000, as during a failover or maintenance).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "55000")


def database_unavailable(error: BaseException) -> bool:
    """Whether an error means the database cannot be reached now (not a bug in a query)."""
    if isinstance(error, sqlalchemy_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        for cause in (error.orig, getattr(error.orig, "__cause__", None)):
            sqlstate = getattr(cause, "sqlstate", None)
            if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
                return True
    return isinstance(error, UNAVAILABLE)


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc  # a real bug: the server error middleware answers 500
    log.warning("http.database_unavailable", error=type(exc).__name__)
    response = problem(
        503,
        "Service unavailable",
        f"The database is not reachable just now; try again in "
        f"{DATABASE_RETRY_AFTER_SECONDS} seconds (with the same Idempotency-Key, if any).",
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def install_error_handlers(app: FastAPI) -> None:
    for error in (sqlalchemy_exc.DBAPIError, *UNAVAILABLE):
        app.add_exception_handler(error, _unavailable)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unhandled)
