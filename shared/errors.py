"""Errors a client can cause, as typed exceptions mapped to RFC 9457 problem responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.contracts.api import Problem

PROBLEM_JSON = "application/problem+json"


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


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e["type"] == "json_invalid" for e in raw):
        where = next(e for e in raw if e["type"] == "json_invalid")
        reason = where.get("ctx", {}).get("error", "invalid JSON")
        return problem(400, "Malformed JSON", f"The request body is not valid JSON: {reason}.")
    errors = [{"field": _field(tuple(e["loc"])), "reason": _reason(e)} for e in raw]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem(422, "Invalid request", detail, errors)


async def _problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), str(exc.detail))


# Problem answers any operation may give, and those of an operation that takes a token.
ANY_OPERATION = {
    "400": "Malformed request",
    "413": "Body too large",
    "422": "Invalid field; the answer names it",
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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
