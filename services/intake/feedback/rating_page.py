"""The page behind the resolved mail's rating links (clauses 13, 27): the link opens it with
its score chosen, the customer may add a comment, and its button POSTs the rating.

The page lives here, beside the rating it records; the notifier only signs the links. Opening
it changes nothing: mail scanners and link previews follow every link they see."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import ValidationError

from services.intake.schemas import INTAKE_PROBLEMS
from services.intake.tickets import customer_requests
from services.intake.tickets.schemas import RatingIn
from shared.contracts.api import RATING_LINK_PURPOSE
from shared.errors import NotFoundError, ProblemError
from shared.ratelimit import RATE_LIMITED
from shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/tickets", tags=["rating page"], responses=INTAKE_PROBLEMS)

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)
# No caching (the link is personal), no referrer (the token is in the URL), no framing (a
# page elsewhere could frame the button and trick a click).
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "a page"}
}
NUL = "contains a NUL character (U+0000), which text may not hold"
Token = Annotated[str, Query(max_length=1000, description="the signed value from the mail")]


class RatingLinkNotValidError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("This link is not valid; use the rating link from our email.")


def _check(runtime: RuntimeDep, ticket_id: uuid.UUID, token: str) -> None:
    if runtime.signer.verify_value(RATING_LINK_PURPOSE, token) != str(ticket_id):
        raise RatingLinkNotValidError()


def _page(
    lines: list[str], *, token: str | None, score: int | None, status: int = 200
) -> HTMLResponse:
    action = None if token is None else f"?{urlencode({'token': token})}"
    html = _env.get_template("rating.html.j2").render(
        lines=lines, action=action, score=score, scores=range(1, 6)
    )
    return HTMLResponse(html, status_code=status, headers=_PAGE_HEADERS)


@router.get(
    "/{ticket_id}/rating/page",
    summary="The page behind a rating link in our mail: its button rates",
    responses=PAGE,
)
async def rating_page(
    ticket_id: uuid.UUID,
    runtime: RuntimeDep,
    token: Token,
    score: Annotated[int | None, Query(ge=1, le=5, description="the score chosen")] = None,
) -> HTMLResponse:
    _check(runtime, ticket_id, token)
    ask = [
        "Спасибо за оценку! Добавьте комментарий, если хотите, и нажмите кнопку.",
        "Thank you! Add a comment if you like, and press the button.",
    ]
    return _page(ask, token=token, score=score)


@router.post(
    "/{ticket_id}/rating/page",
    summary="Rate the answer from the page (a form: score, comment)",
    responses={**PAGE, **RATE_LIMITED},
)
async def rate_from_page(
    ticket_id: uuid.UUID, request: Request, runtime: RuntimeDep, token: Token
) -> HTMLResponse:
    await runtime.limiter.anonymous(request, customer=str(ticket_id), field="ticket")
    _check(runtime, ticket_id, token)
    rating = _form(await request.body())
    try:
        async with runtime.unit_of_work() as uow:  # its own: a refusal is answered with a page
            await customer_requests.rate_by_link(uow, ticket_id, rating)
    except ProblemError as exc:
        # Already rated, not resolved yet: a person reads the answer, so a page says it.
        return _page([exc.detail], token=None, score=None, status=exc.status)
    done = ["Спасибо! Ваша оценка сохранена.", "Thank you! Your rating is saved."]
    return _page(done, token=None, score=None)


def _form(body: bytes) -> RatingIn:
    """The form's fields (application/x-www-form-urlencoded), checked as the JSON API checks
    them: a bad one is a 422 that names it."""
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        problem = {"type": "value_error", "loc": ("body",), "msg": "not a form", "input": None}
        raise RequestValidationError([problem]) from None
    values: dict[str, Any] = {name: found[-1] for name, found in fields.items()}
    for name, value in values.items():
        # PostgreSQL's text cannot hold U+0000; the JSON bodies' check does not read forms.
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "")
            nul: dict[str, Any] = {"type": "value_error", "loc": ("body", field), "msg": NUL}
            raise RequestValidationError([nul])
    if not values.get("comment", "").strip():
        values.pop("comment", None)  # an empty box is no comment
    try:
        return RatingIn.model_validate(values)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
