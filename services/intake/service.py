"""Intake's use cases: plain async functions over a session; routers only call these."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import repository
from services.intake.api.models import CustomerOut, TicketCreate, TicketCreatedOut, TicketOut
from services.intake.domain.tickets import (
    INITIAL_STATUS,
    format_number,
    hash_token,
    new_access_token,
    tokens_match,
)
from shared.contracts.events import CustomerRef, Language, TicketCreated
from shared.errors import NotFoundError, UnprocessableError
from shared.logging import current_correlation_id
from shared.runtime import ServiceRuntime


class TicketNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such ticket, or this token does not open it.")


async def create_ticket(
    runtime: ServiceRuntime, request: TicketCreate, *, idempotency_key: str | None, scope: str
) -> TicketCreatedOut:
    """Register a request (clause 9) and stage ``ticket.created`` in the same transaction."""
    fingerprint = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        replay = await _replay(runtime, idempotency_key, scope, fingerprint)
        if replay is not None:
            return replay
    try:
        async with runtime.db.transaction() as session:
            created = await _insert_ticket(runtime, session, request)
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
    runtime: ServiceRuntime, session: AsyncSession, request: TicketCreate
) -> TicketCreatedOut:
    email = request.customer.email.lower()
    customer_id, is_new = await repository.upsert_customer(
        session, email=email, name=request.customer.name, language=request.customer.language
    )
    ticket_id, token, received_at = uuid.uuid4(), new_access_token(), datetime.now(UTC)
    sequence = await repository.insert_ticket(
        session,
        id=ticket_id,
        customer_id=customer_id,
        customer_is_new=is_new,
        channel=request.channel,
        category=request.category,
        subject=request.subject,
        body=request.body,
        status=INITIAL_STATUS,
        access_token_hash=hash_token(token),
        received_at=received_at,
    )
    number = format_number(sequence)
    event = TicketCreated(
        ticket_id=ticket_id,
        number=number,
        channel=request.channel,
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
    ).to_event(
        source=runtime.source, subject=str(ticket_id), correlation_id=current_correlation_id()
    )
    await runtime.outbox.add(session, event)
    return TicketCreatedOut(
        id=ticket_id,
        number=number,
        status=INITIAL_STATUS,
        received_at=received_at,
        access_token=token,
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


async def read_ticket(runtime: ServiceRuntime, ticket_id: str, token: str | None) -> TicketOut:
    """A ticket for the bearer of its access token; anyone else learns nothing (404)."""
    try:
        parsed = uuid.UUID(ticket_id)
    except ValueError:
        raise TicketNotFoundError() from None
    async with runtime.db.sessions() as session:
        row = await repository.get_ticket(session, parsed)
    if row is None or token is None or not tokens_match(token, row.access_token_hash):
        raise TicketNotFoundError()
    return TicketOut(
        id=row.id,
        number=format_number(row.number),
        status=row.status,
        channel=row.channel,
        category=row.category,
        subject=row.subject,
        body=row.body,
        received_at=_aware(row.received_at),
        customer=CustomerOut(name=row.name, email=row.email, language=Language(row.language)),
    )


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
