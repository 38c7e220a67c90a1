"""API models more than one service uses."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str = Field(description="dotted path of the offending field, e.g. customer.email")
    reason: str
    code: str | None = Field(
        default=None,
        description="what is wrong, for a client that words it in its reader's language: "
        "pydantic's error type (missing, string_too_long, string_too_short, value_error…); "
        "null where only the reason says it",
    )
    limit: float | None = Field(
        default=None, description="the bound the value crossed (a length, a number), if any"
    )


class Problem(BaseModel):
    """RFC 9457 problem details: every 4xx answer of every service has this shape."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in {
        400: "Malformed request",
        404: "Not found, or not yours",
        409: "Conflicts with the current state",
        413: "Body too large",
        422: "Invalid field; the answer names it",
    }.items()
}


def article_path(article_id: uuid.UUID | str) -> str:
    """Where the site shows a knowledge-base article: intake's answers and the notifier's mail
    both link there, after the site's address (SVIFTDESK_SITE_URL)."""
    return f"/help/articles/{article_id}"


# The signed value in the resolved mail's rating links: the notifier signs a ticket's id under
# this purpose, intake's rating page checks it. It lets its holder rate that ticket, no more.
RATING_LINK_PURPOSE = "rating-link"


def attachment_path(ticket_id: uuid.UUID | str, attachment_id: uuid.UUID | str) -> str:
    """Where intake serves a ticket's file (the notifier fetches an agent's for the reply)."""
    return f"/v1/tickets/{ticket_id}/attachments/{attachment_id}"


def portal_rating_path(ticket_id: uuid.UUID | str) -> str:
    """The portal's rating page (SVIFTDESK_PORTAL_PUBLIC_URL before it), where the resolved
    mail's links lead: ``?score=…&token=…``, the token as for intake's page."""
    return f"/ratings/{ticket_id}"


def rating_page_path(ticket_id: uuid.UUID | str) -> str:
    """Intake's rating page, after its public address (SVIFTDESK_INTAKE_PUBLIC_URL)."""
    return f"/v1/tickets/{ticket_id}/rating/page"
