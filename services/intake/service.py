"""Intake's use cases: plain async functions over a session; routers only call these.

This module files and shows tickets and holds what the other use-case modules share: who may
see a ticket, and how a change is staged (timeline entry and event, in the caller's
transaction). Agents' work is in ``desk``, the conversation in ``conversation``, the
customer's other requests in ``customer_requests``, issued tokens in ``credentials``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import repository
from services.intake.access import Caller
from services.intake.api.models import (
    AttachmentIn,
    AttachmentOut,
    CustomerOut,
    MessageOut,
    TicketCreate,
    TicketCreatedOut,
    TicketOut,
    TimelineEntryOut,
    TimelineKind,
)
from services.intake.domain import lifecycle
from services.intake.domain.tickets import (
    INITIAL_STATUS,
    check_attachment_size,
    clean_filename,
    format_number,
    hash_token,
    new_access_token,
    partner_sees_contact,
    tokens_match,
)
from shared.auth import ForbiddenError
from shared.contracts.events import (
    Actor,
    Channel,
    CustomerRef,
    EventPayload,
    Language,
    PartnerRef,
    TicketCreated,
    TicketStatus,
    TicketStatusChanged,
)
from shared.errors import ConflictError, NotFoundError, UnprocessableError
from shared.logging import current_correlation_id
from shared.runtime import ServiceRuntime


class TicketNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such ticket, or this token does not open it.")


class ChangedMeanwhileError(ConflictError):
    def __init__(self) -> None:
        super().__init__("The ticket changed while this request ran; read it again and retry.")


class Viewer(StrEnum):
    """Whose eyes a ticket is shown to."""

    customer = "customer"
    partner = "partner"
    staff = "staff"


def parse_ticket_id(ticket_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(ticket_id)
    except ValueError:
        raise TicketNotFoundError() from None


def viewer_of(row: Row[Any] | None, caller: Caller) -> Viewer:
    """Staff see every ticket, a partner the ones it filed, a customer the one their token
    opens; to anyone else the ticket does not exist (404)."""
    if row is None:
        raise TicketNotFoundError()
    if caller.is_staff:
        return Viewer.staff
    if caller.partner_id is not None:
        if row.partner_id == caller.partner_id:
            return Viewer.partner
        raise TicketNotFoundError()
    if caller.customer_token and tokens_match(caller.customer_token, row.access_token_hash):
        return Viewer.customer
    raise TicketNotFoundError()


def require_customer(viewer: Viewer, what: str) -> None:
    if viewer is not Viewer.customer:
        raise ForbiddenError(f"Only the ticket's customer, with its access token, can {what}.")


def customer_ref(row: Row[Any]) -> CustomerRef:
    return CustomerRef(
        id=row.customer_id,
        email=row.email,
        name=row.name,
        language=Language(row.language),
        is_new=row.customer_is_new,
    )


async def publish(
    runtime: ServiceRuntime, session: AsyncSession, ticket_id: uuid.UUID, payload: EventPayload
) -> None:
    """Stage an event in the caller's transaction (the outbox publishes it after commit)."""
    event = payload.to_event(
        source=runtime.source, subject=str(ticket_id), correlation_id=current_correlation_id()
    )
    await runtime.outbox.add(session, event)


async def record(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    at: datetime,
    kind: TimelineKind,
    actor: Actor,
    actor_id: uuid.UUID | None,
    *,
    public: bool,
    **detail: Any,
) -> None:
    """One timeline entry; ``public`` ones are the customer's (and the partner's) to see."""
    await repository.add_timeline(
        session,
        ticket_id=ticket_id,
        at=at,
        kind=kind,
        actor=actor,
        actor_id=actor_id,
        public=public,
        detail={key: value for key, value in detail.items() if value is not None},
    )


async def change_status(
    runtime: ServiceRuntime,
    session: AsyncSession,
    row: Row[Any],
    target: TicketStatus,
    *,
    actor: Actor,
    actor_id: uuid.UUID | None,
    at: datetime,
    note: str | None = None,
    partner: PartnerRef | None = None,
) -> None:
    """Move the ticket from the status it was read with; every move is an event (clause 6)."""
    current = TicketStatus(row.status)
    values: dict[str, Any] = {"status": target}
    if target is TicketStatus.resolved:
        values["resolved_at"] = at
    if not await repository.update_ticket_if(session, row.id, expected_status=current, **values):
        raise ChangedMeanwhileError()
    await record(
        session,
        row.id,
        at,
        TimelineKind.status_changed,
        actor,
        actor_id,
        public=True,
        from_status=current,
        to_status=target,
        note=note,
        partner=partner.model_dump(mode="json") if partner else None,
    )
    await publish(
        runtime,
        session,
        row.id,
        TicketStatusChanged(
            ticket_id=row.id,
            number=format_number(row.number),
            from_status=current,
            to_status=target,
            note=note,
            partner=partner,
            actor=actor,
            changed_at=at,
            customer=customer_ref(row),
        ),
    )


def attachment_rows(
    runtime: ServiceRuntime,
    items: list[AttachmentIn],
    *,
    field: str,
    ticket_id: uuid.UUID,
    message_id: uuid.UUID | None,
    at: datetime,
) -> list[dict[str, Any]]:
    """Rows for the attachments, each checked against SVIFTDESK_MAX_ATTACHMENT_BYTES."""
    limit = runtime.settings.max_attachment_bytes
    rows = []
    for index, item in enumerate(items):
        check_attachment_size(f"{field}.{index}.data", len(item.data), limit)
        rows.append(
            {
                "id": uuid.uuid4(),
                "ticket_id": ticket_id,
                "message_id": message_id,
                "filename": clean_filename(item.filename),
                "content_type": item.content_type.lower(),
                "size": len(item.data),
                "data": item.data,
                "created_at": at,
            }
        )
    return rows


async def create_ticket(
    runtime: ServiceRuntime,
    request: TicketCreate,
    *,
    idempotency_key: str | None,
    scope: str,
    partner_id: uuid.UUID | None = None,
) -> TicketCreatedOut:
    """Register a request (clause 9) and stage ``ticket.created`` in the same transaction.

    A partner's ticket is of the partner channel and belongs to that partner; the partner
    does not get the customer's access token.
    """
    fingerprint = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        replay = await _replay(runtime, idempotency_key, scope, fingerprint)
        if replay is not None:
            return replay
    try:
        async with runtime.db.transaction() as session:
            created = await _insert_ticket(runtime, session, request, partner_id)
            if idempotency_key is not None:
                await repository.save_idempotent(
                    session,
                    key=idempotency_key,
                    scope=scope,
                    fingerprint=fingerprint,
                    status_code=201,
                    response=created.model_dump(mode="json"),
                    created_at=created.received_at,
                )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer as it did.
        if idempotency_key is None:
            raise
        replay = await _replay(runtime, idempotency_key, scope, fingerprint)
        if replay is None:
            raise
        return replay
    return created


async def _insert_ticket(
    runtime: ServiceRuntime,
    session: AsyncSession,
    request: TicketCreate,
    partner_id: uuid.UUID | None,
) -> TicketCreatedOut:
    email = request.customer.email.lower()
    channel = Channel.partner if partner_id is not None else request.channel
    ticket_id, token, received_at = uuid.uuid4(), new_access_token(), datetime.now(UTC)
    attachments = attachment_rows(
        runtime,
        request.attachments,
        field="attachments",
        ticket_id=ticket_id,
        message_id=None,
        at=received_at,
    )
    customer_id, is_new = await repository.upsert_customer(
        session, email=email, name=request.customer.name, language=request.customer.language
    )
    sequence = await repository.insert_ticket(
        session,
        id=ticket_id,
        customer_id=customer_id,
        customer_is_new=is_new,
        channel=channel,
        category=request.category,
        subject=request.subject,
        body=request.body,
        status=INITIAL_STATUS,
        access_token_hash=hash_token(token),
        received_at=received_at,
        partner_id=partner_id,
    )
    await repository.add_attachments(session, attachments)
    number = format_number(sequence)
    await publish(
        runtime,
        session,
        ticket_id,
        TicketCreated(
            ticket_id=ticket_id,
            number=number,
            channel=channel,
            category=request.category,
            subject=request.subject,
            status=INITIAL_STATUS,
            received_at=received_at,
            customer=CustomerRef(
                id=customer_id,
                email=email,
                name=request.customer.name,
                language=request.customer.language,
                is_new=is_new,
            ),
            partner_id=partner_id,
            # The receipt carries the customer's key (clause 19: the customer alone holds it).
            access_token=token if partner_id is None else None,
        ),
    )
    return TicketCreatedOut(
        id=ticket_id,
        number=number,
        status=INITIAL_STATUS,
        received_at=received_at,
        access_token=token if partner_id is None else None,
        customer_is_new=is_new,
    )


async def _replay(
    runtime: ServiceRuntime, key: str, scope: str, fingerprint: str
) -> TicketCreatedOut | None:
    async with runtime.db.sessions() as session:
        stored = await repository.get_idempotent(session, key, scope)
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise UnprocessableError(
            "Idempotency-Key was already used with a different request body; "
            "use a new key for a new request.",
            errors=[{"field": "Idempotency-Key", "reason": "reused with a different body"}],
        )
    return TicketCreatedOut.model_validate(stored.response)


async def read_ticket(runtime: ServiceRuntime, ticket_id: str, caller: Caller) -> TicketOut:
    """A ticket for the bearer of its access token, staff, or the partner that filed it;
    anyone else learns nothing (404)."""
    caller.require_partner_scope("tickets:read")
    parsed = parse_ticket_id(ticket_id)
    async with runtime.db.sessions() as session:
        row = await repository.get_ticket(session, parsed)
        viewer = viewer_of(row, caller)
        assert row is not None
        return await ticket_view(session, row, viewer)


async def ticket_view(session: AsyncSession, row: Row[Any], viewer: Viewer) -> TicketOut:
    staff = viewer is Viewer.staff
    shown = viewer is not Viewer.partner or partner_sees_contact(row.share_with_partners)
    messages = await repository.messages_of(session, row.id, internal=staff)
    files: dict[uuid.UUID | None, list[AttachmentOut]] = {}
    for file in await repository.attachments_of(session, row.id):
        files.setdefault(file.message_id, []).append(
            AttachmentOut(
                id=file.id, filename=file.filename, content_type=file.content_type, size=file.size
            )
        )
    entries = await repository.timeline_of(session, row.id, public_only=not staff)
    status = TicketStatus(row.status)
    return TicketOut(
        id=row.id,
        number=format_number(row.number),
        status=status,
        channel=row.channel,
        category=row.category,
        subject=row.subject,
        body=row.body,
        received_at=row.received_at,
        customer=CustomerOut(
            name=row.name if shown else None,
            email=row.email if shown else None,
            language=Language(row.language),
        ),
        customer_is_new=row.customer_is_new,
        complexity=row.complexity,
        share_with_partners=row.share_with_partners,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        claimed_by=row.claimed_by if staff else None,
        claimed_at=row.claimed_at if staff else None,
        allowed_moves=list(lifecycle.allowed_moves(status)) if staff else [],
        attachments=files.get(None, []),
        messages=[
            MessageOut(
                id=m.id,
                author=m.author,
                internal=m.internal,
                first_response=m.first_response,
                body=m.body,
                created_at=m.created_at,
                attachments=files.get(m.id, []),
            )
            for m in messages
        ],
        # The first entry is the ticket's own row: filing stays one insert fewer.
        timeline=[
            TimelineEntryOut(
                at=row.received_at,
                kind=TimelineKind.created,
                actor=Actor.partner if row.partner_id else Actor.customer,
                to_status=INITIAL_STATUS,
            ),
            *(TimelineEntryOut(at=e.at, kind=e.kind, actor=e.actor, **e.detail) for e in entries),
        ],
    )
