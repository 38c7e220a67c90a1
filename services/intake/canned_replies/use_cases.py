"""Canned replies (issue 16): texts staff insert into a reply, shared by the team or an
agent's own, with placeholders filled in for the ticket at hand.

Shared ones are read by all staff and written by seniors and admins (what the whole team
says is theirs to vouch for); personal ones exist for their owner alone (404 to anyone else).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from services.intake.canned_replies import queries
from services.intake.canned_replies.queries import CannedReplyRecord
from services.intake.canned_replies.schemas import (
    CannedReplyCreate,
    CannedReplyOut,
    CannedReplyUpdate,
    RenderedReplyOut,
)
from services.intake.domain.staff_tools import check_placeholders, fill, unfilled
from services.intake.domain.tickets import format_number
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets.use_cases import TicketNotFoundError, parse_ticket_id, ticket_id_of
from shared.auth import ForbiddenError, Principal, Role
from shared.contracts.events import Language
from shared.errors import NotFoundError
from shared.unit_of_work import UnitOfWork


class CannedReplyNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such canned reply, or it is another agent's own.")


def _out(record: CannedReplyRecord) -> CannedReplyOut:
    return CannedReplyOut(
        id=record.id,
        title=record.title,
        body=record.body,
        language=Language(record.language),
        shared=record.owner_id is None,
        owner_id=record.owner_id,
        created_by=record.created_by,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _parse_id(reply_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(reply_id)
    except ValueError:
        raise CannedReplyNotFoundError() from None


def _check_may_write_shared(staff: Principal) -> None:
    if not staff.is_at_least(Role.senior):
        raise ForbiddenError(
            "Shared canned replies are written by seniors and admins; keep this one as your "
            "own (shared: false)."
        )


def _visible(record: CannedReplyRecord | None, staff: Principal) -> CannedReplyRecord:
    if record is None or record.owner_id not in (None, staff.subject):
        raise CannedReplyNotFoundError()
    return record


async def create(uow: UnitOfWork, request: CannedReplyCreate, staff: Principal) -> CannedReplyOut:
    if request.shared:
        _check_may_write_shared(staff)
    check_placeholders("title", request.title)
    check_placeholders("body", request.body)
    now = datetime.now(UTC)
    record = CannedReplyRecord(
        id=uuid.uuid4(),
        owner_id=None if request.shared else staff.subject,
        language=request.language,
        title=request.title,
        body=request.body,
        created_by=staff.subject,
        created_at=now,
        updated_at=now,
    )
    await queries.add_canned_reply(uow.session, record)
    return _out(record)


async def list_replies(
    uow: UnitOfWork, staff: Principal, *, language: Language | None, limit: int
) -> list[CannedReplyOut]:
    """The shared ones and the caller's own, by title."""
    found = await queries.canned_replies(
        uow.session, owner_id=staff.subject, language=language, limit=limit
    )
    return [_out(record) for record in found]


async def read(uow: UnitOfWork, reply_id: str, staff: Principal) -> CannedReplyOut:
    parsed = _parse_id(reply_id)
    return _out(_visible(await queries.get_canned_reply(uow.session, parsed), staff))


async def update(
    uow: UnitOfWork, reply_id: str, request: CannedReplyUpdate, staff: Principal
) -> CannedReplyOut:
    parsed = _parse_id(reply_id)
    changes: dict[str, Any] = request.model_dump(exclude_unset=True)
    for field in ("title", "body"):
        if field in changes:
            check_placeholders(field, changes[field])
    found = await queries.get_canned_reply(uow.session, parsed, for_update=True)
    current = _visible(found, staff)
    if current.owner_id is None:
        _check_may_write_shared(staff)
    if not changes:
        return _out(current)
    record = replace(current, updated_at=datetime.now(UTC), **changes)
    await queries.update_canned_reply(uow.session, record)
    return _out(record)


async def delete(uow: UnitOfWork, reply_id: str, staff: Principal) -> None:
    parsed = _parse_id(reply_id)
    found = await queries.get_canned_reply(uow.session, parsed, for_update=True)
    current = _visible(found, staff)
    if current.owner_id is None:
        _check_may_write_shared(staff)
    await queries.delete_canned_reply(uow.session, parsed)


async def render(
    uow: UnitOfWork, reply_id: str, ticket_ref: str, staff: Principal
) -> RenderedReplyOut:
    """The reply with the ticket's (its id or number) customer name, number and subject filled
    in; the expected answer time is left for the caller, who reads it from the SLA service."""
    parsed = _parse_id(reply_id)
    ticket = parse_ticket_id(await ticket_id_of(uow, ticket_ref))
    record = _visible(await queries.get_canned_reply(uow.session, parsed), staff)
    row = await ticket_queries.get_ticket(uow.session, ticket)
    if row is None:
        raise TicketNotFoundError()
    number = format_number(row.number)
    values = {"customer_name": row.name, "ticket_number": number, "ticket_subject": row.subject}
    return RenderedReplyOut(
        id=record.id,
        ticket_number=number,
        language=Language(record.language),
        title=fill(record.title, values),
        body=fill(record.body, values),
        unfilled=unfilled(record.title + "\n" + record.body, values),
    )
