"""Every query of the notifier service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier.domain.notifications import Contact, MailRecord, coalescible
from services.notifier.domain.staff import Delivery, StaffMember, WaitingRequest
from services.notifier.tables import (
    beta_invitation,
    beta_member,
    delivery,
    revoked_credential,
    staff_credential,
    staff_preference,
    ticket_contact,
    ticket_stage,
    webhook,
)
from shared.contracts.events import StaffNoticeKind, StaffRole
from shared.db import execute_count, insert_ignoring_conflicts

PENDING, SENT, FAILED = "pending", "sent", "failed"
# Never sent, never retried: the customer's data was erased before it went out.
CANCELLED = "cancelled"
# Never sent: another mail about the ticket told the customer as much (see sender.py).
SUPERSEDED = "superseded"
ERASED = "erased at the customer's request"


@dataclass(frozen=True)
class DeliveryRecord:
    """One message to send, or sent: by mail to an address, or by webhook to a subscription
    (``recipient``: the webhook's id)."""

    id: uuid.UUID
    event_id: str
    event_type: str
    ticket_id: uuid.UUID | None
    channel: str
    recipient: str
    template: str
    language: str
    context: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    message_id: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class DueDelivery(DeliveryRecord):
    """A delivery due now, with when its ticket's customer was erased (None: not, or no
    ticket)."""

    erased_at: datetime | None


@dataclass(frozen=True)
class WebhookRecord:
    id: uuid.UUID
    partner_id: uuid.UUID
    url: str
    event_types: list[str]
    secret: str
    created_at: datetime


@dataclass(frozen=True)
class StageRecord:
    """A stage of a ticket as its customer was told of it."""

    at: datetime
    status: str
    note: str | None


@dataclass(frozen=True)
class BetaMember:
    email: str
    name: str
    language: str


# The columns each record is built from, in its fields' order and named by them: a field that
# names no column fails at import, and a reordered table cannot shift the values.
_DELIVERY = [delivery.c[f.name] for f in fields(DeliveryRecord)]
_WEBHOOK = [webhook.c[f.name] for f in fields(WebhookRecord)]


def _delivery(values: Sequence[Any]) -> DeliveryRecord:
    return DeliveryRecord(*values)


async def add_delivery(
    session: AsyncSession,
    *,
    event_id: str,
    event_type: str,
    ticket_id: uuid.UUID | None,
    channel: str,
    recipient: str,
    template: str,
    language: str,
    context: dict[str, Any],
    next_attempt_at: datetime,
) -> bool:
    """Record a message to send; False when this event already gave this recipient one."""
    statement = insert_ignoring_conflicts(
        session,
        delivery,
        ["event_id", "channel", "recipient"],
        id=uuid.uuid4(),
        status=PENDING,
        # To the microsecond on every backend (SQLite's own clock counts whole seconds): mail
        # recorded a moment apart is coalesced in the order it came.
        created_at=datetime.now(UTC),
        event_id=event_id,
        event_type=event_type,
        ticket_id=ticket_id,
        channel=channel,
        recipient=recipient,
        template=template,
        language=language,
        context=context,
        next_attempt_at=next_attempt_at,
    )
    return await execute_count(session, statement) == 1


async def postpone(session: AsyncSession, delivery_id: uuid.UUID, until: datetime) -> None:
    await session.execute(
        update(delivery).where(delivery.c.id == delivery_id).values(next_attempt_at=until)
    )


async def mail_about(
    session: AsyncSession, ticket_id: uuid.UUID, recipient: str, since: datetime, until: datetime
) -> list[MailRecord]:
    """The mail recorded for a ticket's recipient in a span of time, bar what was never sent."""
    query = select(delivery.c.id, delivery.c.template, delivery.c.context, delivery.c.created_at)
    query = query.where(
        delivery.c.ticket_id == ticket_id,
        delivery.c.channel == "email",
        delivery.c.recipient == recipient,
        delivery.c.status.not_in((CANCELLED, SUPERSEDED)),
        delivery.c.created_at.between(since, until),
    )
    return [
        MailRecord(row.id, row.template, coalescible(row.template, row.context), row.created_at)
        for row in (await session.execute(query)).all()
    ]


async def mark_superseded(session: AsyncSession, delivery_id: uuid.UUID, by: MailRecord) -> None:
    await session.execute(
        update(delivery)
        .where(delivery.c.id == delivery_id, delivery.c.status == PENDING)
        .values(status=SUPERSEDED, last_error=f"not sent: told by the {by.template} mail {by.id}")
    )


async def due_deliveries(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    lock: bool,
    without_mail: bool = False,
    without_webhooks: Collection[str] = (),
) -> list[DueDelivery]:
    """Due deliveries, each with its ticket's ``erased_at`` (None for beta mail), leaving out
    the lanes that are full or paused so that they cannot crowd the others out of the batch."""
    query = (
        select(*_DELIVERY, ticket_contact.c.erased_at)
        .outerjoin(ticket_contact, ticket_contact.c.ticket_id == delivery.c.ticket_id)
        .where(delivery.c.status == PENDING, delivery.c.next_attempt_at <= now)
        .order_by(delivery.c.next_attempt_at)
        .limit(limit)
    )
    if without_mail:
        query = query.where(delivery.c.channel != "email")
    if without_webhooks:
        query = query.where(
            or_(delivery.c.channel != "webhook", delivery.c.recipient.not_in(without_webhooks))
        )
    if lock:
        query = query.with_for_update(skip_locked=True, of=delivery)
    return [DueDelivery(*tuple(row)) for row in (await session.execute(query)).all()]


async def lease(session: AsyncSession, delivery_ids: list[uuid.UUID], until: datetime) -> None:
    """Taken for sending: not due again until ``until``, when a sender that died meanwhile
    is presumed gone and another one tries."""
    await session.execute(
        update(delivery).where(delivery.c.id.in_(delivery_ids)).values(next_attempt_at=until)
    )


async def pause_endpoint(
    session: AsyncSession, webhook_id: str, *, until: datetime, note: str
) -> None:
    """A paused endpoint's waiting deliveries say so in the log, and wait out the pause."""
    await session.execute(
        update(delivery)
        .where(
            delivery.c.channel == "webhook",
            delivery.c.recipient == webhook_id,
            delivery.c.status == PENDING,
        )
        .values(
            last_error=note,
            next_attempt_at=case(
                (delivery.c.next_attempt_at < until, until), else_=delivery.c.next_attempt_at
            ),
        )
    )


async def mark_sent(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    message_id: str,
    at: datetime,
    context: dict[str, Any],
) -> None:
    # Still pending: an erasure while it was on its way has the last word.
    await session.execute(
        update(delivery)
        .where(delivery.c.id == delivery_id, delivery.c.status == PENDING)
        .values(
            status=SENT,
            message_id=message_id,
            sent_at=at,
            attempts=delivery.c.attempts + 1,
            last_error=None,
            context=context,
        )
    )


async def mark_failed_attempt(
    session: AsyncSession, delivery_id: uuid.UUID, *, error: str, retry_at: datetime | None
) -> None:
    statement = (
        update(delivery)
        .where(delivery.c.id == delivery_id, delivery.c.status == PENDING)
        .values(attempts=delivery.c.attempts + 1, last_error=error[:2000])
    )
    if retry_at is None:
        statement = statement.values(status=FAILED)
    else:
        statement = statement.values(next_attempt_at=retry_at)
    await session.execute(statement)


async def deliveries_for_ticket(
    session: AsyncSession, ticket_id: uuid.UUID
) -> list[DeliveryRecord]:
    query = (
        select(*_DELIVERY).where(delivery.c.ticket_id == ticket_id).order_by(delivery.c.created_at)
    )
    return [_delivery(row) for row in (await session.execute(query)).all()]


async def save_contact(session: AsyncSession, ticket_id: uuid.UUID, contact: Contact) -> bool:
    """Keep the ticket's contact; False when it was erased already (and so stays erased)."""
    statement = insert_ignoring_conflicts(
        session,
        ticket_contact,
        ["ticket_id"],
        ticket_id=ticket_id,
        number=contact.number,
        email=contact.email,
        name=contact.name,
        language=contact.language,
        subject=contact.subject,
        partner_id=contact.partner_id,
    )
    if await execute_count(session, statement):
        return True
    statement = (
        update(ticket_contact)
        .where(ticket_contact.c.ticket_id == ticket_id, ticket_contact.c.erased_at.is_(None))
        .values(
            number=contact.number,
            email=contact.email,
            name=contact.name,
            language=contact.language,
            subject=contact.subject,
            partner_id=contact.partner_id,
        )
    )
    return await execute_count(session, statement) == 1


_CONTACT = select(
    ticket_contact.c.number,
    ticket_contact.c.email,
    ticket_contact.c.name,
    ticket_contact.c.language,
    ticket_contact.c.subject,
    ticket_contact.c.partner_id,
    ticket_contact.c.handed_to,
    ticket_contact.c.erased_at.is_not(None),
)


async def get_contact(session: AsyncSession, ticket_id: uuid.UUID) -> Contact | None:
    query = _CONTACT.where(ticket_contact.c.ticket_id == ticket_id)
    row = (await session.execute(query)).first()
    return None if row is None else Contact(*row)


async def hand_to(
    session: AsyncSession, ticket_id: uuid.UUID, partner_id: uuid.UUID | None
) -> None:
    """The partner a ticket now waits on (None: one outside SviftDesk)."""
    statement = update(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id)
    await session.execute(statement.values(handed_to=partner_id))


async def add_webhook(
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    url: str,
    event_types: list[str],
    secret: str,
) -> uuid.UUID:
    webhook_id = uuid.uuid4()
    statement = webhook.insert().values(
        id=webhook_id, partner_id=partner_id, url=url, event_types=event_types, secret=secret
    )
    await session.execute(statement)
    return webhook_id


async def webhooks_of(session: AsyncSession, partner_id: uuid.UUID) -> list[WebhookRecord]:
    query = select(*_WEBHOOK).where(webhook.c.partner_id == partner_id)
    query = query.order_by(webhook.c.created_at)
    return [WebhookRecord(*row) for row in (await session.execute(query)).all()]


async def count_webhooks(session: AsyncSession, partner_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(webhook).where(webhook.c.partner_id == partner_id)
    return int((await session.execute(query)).scalar_one())


async def webhooks_by_id(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[str, WebhookRecord]:
    """Subscriptions by their id as a delivery names them (its ``recipient``)."""
    if not ids:
        return {}
    rows = (await session.execute(select(*_WEBHOOK).where(webhook.c.id.in_(ids)))).all()
    return {str(hook.id): hook for hook in (WebhookRecord(*row) for row in rows)}


async def delete_webhook(
    session: AsyncSession, webhook_id: uuid.UUID, partner_id: uuid.UUID
) -> bool:
    statement = webhook.delete().where(
        webhook.c.id == webhook_id, webhook.c.partner_id == partner_id
    )
    return await execute_count(session, statement) == 1


async def retry_delivery(session: AsyncSession, delivery_id: uuid.UUID, now: datetime) -> bool:
    """Put a parked delivery back in line (ops' replay)."""
    statement = (
        update(delivery)
        .where(delivery.c.id == delivery_id, delivery.c.status == FAILED)
        .values(status=PENDING, next_attempt_at=now, attempts=0)
    )
    return await execute_count(session, statement) == 1


async def parked_deliveries(session: AsyncSession, limit: int = 200) -> list[DeliveryRecord]:
    query = (
        select(*_DELIVERY)
        .where(delivery.c.status == FAILED)
        .order_by(delivery.c.created_at)
        .limit(limit)
    )
    return [_delivery(row) for row in (await session.execute(query)).all()]


async def latest_contact_by_email(session: AsyncSession, email: str) -> Contact | None:
    query = _CONTACT.where(ticket_contact.c.email == email).limit(1)
    row = (await session.execute(query)).first()
    return None if row is None else Contact(*row)


async def set_beta_membership(
    session: AsyncSession, *, email: str, name: str, language: str, opted_in: bool, at: datetime
) -> None:
    statement = insert_ignoring_conflicts(
        session,
        beta_member,
        ["email"],
        email=email,
        name=name,
        language=language,
        opted_in=opted_in,
        changed_at=at,
    )
    if not await execute_count(session, statement):
        await session.execute(
            update(beta_member)
            .where(beta_member.c.email == email)
            .values(name=name, language=language, opted_in=opted_in, changed_at=at)
        )


async def beta_members(session: AsyncSession) -> list[BetaMember]:
    """Those who opted in."""
    query = select(beta_member.c.email, beta_member.c.name, beta_member.c.language).where(
        beta_member.c.opted_in.is_(True)
    )
    rows = (await session.execute(query.order_by(beta_member.c.email))).all()
    return [BetaMember(*row) for row in rows]


async def add_invitation(
    session: AsyncSession,
    *,
    invitation_id: uuid.UUID,
    feature: str,
    text_ru: str,
    text_en: str,
    recipients: int,
    created_at: datetime,
) -> None:
    statement = beta_invitation.insert().values(
        id=invitation_id,
        feature=feature,
        text_ru=text_ru,
        text_en=text_en,
        recipients=recipients,
        created_at=created_at,
    )
    await session.execute(statement)


async def note_received(session: AsyncSession, ticket_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id).values(received_at=at)
    )


async def add_stage(
    session: AsyncSession, ticket_id: uuid.UUID, at: datetime, status: str, note: str | None
) -> None:
    statement = insert_ignoring_conflicts(
        session,
        ticket_stage,
        ["ticket_id", "at", "status"],
        ticket_id=ticket_id,
        at=at,
        status=status,
        note=note,
    )
    await session.execute(statement)


async def stages_of(session: AsyncSession, ticket_id: uuid.UUID) -> list[StageRecord]:
    query = select(ticket_stage.c.at, ticket_stage.c.status, ticket_stage.c.note).where(
        ticket_stage.c.ticket_id == ticket_id
    )
    rows = (await session.execute(query.order_by(ticket_stage.c.at))).all()
    return [StageRecord(*row) for row in rows]


async def received_at_of(session: AsyncSession, ticket_id: uuid.UUID) -> datetime | None:
    query = select(ticket_contact.c.received_at).where(ticket_contact.c.ticket_id == ticket_id)
    value: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return value


# -- staff and what they are told -------------------------------------------------------------


async def register_staff(
    session: AsyncSession,
    *,
    credential_id: uuid.UUID,
    email: str,
    role: str,
    registered_at: datetime,
    expires_at: datetime,
) -> None:
    """A staff token intake issued (staff.registered); the same one again changes nothing."""
    statement = insert_ignoring_conflicts(
        session,
        staff_credential,
        ["credential_id"],
        credential_id=credential_id,
        email=email,
        role=role,
        registered_at=registered_at,
        expires_at=expires_at,
    )
    await session.execute(statement)


def _choices(raw: dict[str, str]) -> dict[StaffNoticeKind, Delivery]:
    known = {kind.value for kind in StaffNoticeKind}
    return {StaffNoticeKind(k): Delivery(v) for k, v in raw.items() if k in known}


# A staff token as _members weighs it: (email, credential id, registered at).
_TOKEN = (
    staff_credential.c.email,
    staff_credential.c.credential_id,
    staff_credential.c.registered_at,
)


async def _members(
    session: AsyncSession, tokens: Sequence[tuple[str, uuid.UUID, datetime]]
) -> list[StaffMember]:
    """One member per address, with their latest staff id and their choices."""
    latest: dict[str, uuid.UUID] = {}
    for email, credential_id, _registered_at in sorted(tokens, key=lambda t: t[2]):
        latest[email] = credential_id
    if not latest:
        return []
    query = select(
        staff_preference.c.email, staff_preference.c.language, staff_preference.c.choices
    ).where(staff_preference.c.email.in_(latest))
    chosen: dict[str, tuple[str, dict[str, str]]] = {
        email: (language, choices) for email, language, choices in await session.execute(query)
    }
    members = []
    for email, staff_id in sorted(latest.items()):
        preference = chosen.get(email)
        if preference is None:
            members.append(StaffMember(email, staff_id))
        else:
            language, choices = preference
            members.append(StaffMember(email, staff_id, language, _choices(choices)))
    return members


async def _tokens(
    session: AsyncSession, *where: ColumnElement[bool]
) -> list[tuple[str, uuid.UUID, datetime]]:
    rows = (await session.execute(select(*_TOKEN).where(*where))).all()
    return [(email, credential_id, at) for email, credential_id, at in rows]


def _not_revoked() -> ColumnElement[bool]:
    revoked = select(revoked_credential.c.subject).where(
        revoked_credential.c.subject == staff_credential.c.credential_id
    )
    return ~revoked.exists()


async def staff_member(session: AsyncSession, staff_id: uuid.UUID) -> StaffMember | None:
    """The person a staff id belongs to, unless that token was revoked; None if unknown."""
    query = select(staff_credential.c.email).where(
        staff_credential.c.credential_id == staff_id, _not_revoked()
    )
    email = (await session.execute(query)).scalar_one_or_none()
    if email is None:
        return None
    tokens = await _tokens(session, staff_credential.c.email == email)
    members = await _members(session, tokens)
    return members[0] if members else None


async def staff_on_duty(
    session: AsyncSession, roles: Collection[StaffRole], now: datetime
) -> list[StaffMember]:
    """Everyone holding a token of one of ``roles`` that has neither expired nor been
    revoked: staff tokens last a working day, so these are the people at work."""
    tokens = await _tokens(
        session,
        staff_credential.c.role.in_([role.value for role in roles]),
        staff_credential.c.expires_at > now,
        _not_revoked(),
    )
    return await _members(session, tokens)


async def save_preferences(
    session: AsyncSession,
    email: str,
    *,
    language: str,
    choices: dict[StaffNoticeKind, Delivery],
    at: datetime,
) -> None:
    stored = {kind.value: choice.value for kind, choice in choices.items()}
    statement = insert_ignoring_conflicts(
        session,
        staff_preference,
        ["email"],
        email=email,
        language=language,
        choices=stored,
        changed_at=at,
    )
    if not await execute_count(session, statement):
        await session.execute(
            update(staff_preference)
            .where(staff_preference.c.email == email)
            .values(language=language, choices=stored, changed_at=at)
        )


async def set_assignee(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    waiting_alert_at: datetime | None,
) -> None:
    """Who holds the ticket; one back in the queue waits for an agent again."""
    statement = update(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id)
    await session.execute(
        statement.values(assignee_id=assignee_id, waiting_alert_at=waiting_alert_at)
    )


async def assignee_of(session: AsyncSession, ticket_id: uuid.UUID) -> uuid.UUID | None:
    query = select(ticket_contact.c.assignee_id).where(ticket_contact.c.ticket_id == ticket_id)
    value: uuid.UUID | None = (await session.execute(query)).scalar_one_or_none()
    return value


async def set_waiting_alert(
    session: AsyncSession, ticket_id: uuid.UUID, at: datetime | None
) -> None:
    statement = update(ticket_contact).where(ticket_contact.c.ticket_id == ticket_id)
    await session.execute(statement.values(waiting_alert_at=at))


async def due_waiting_alerts(
    session: AsyncSession, now: datetime, *, limit: int, lock: bool
) -> list[WaitingRequest]:
    """Requests nobody took whose alert is due."""
    query = (
        select(
            ticket_contact.c.ticket_id, ticket_contact.c.number, ticket_contact.c.waiting_alert_at
        )
        .where(
            ticket_contact.c.waiting_alert_at <= now,
            ticket_contact.c.assignee_id.is_(None),
            ticket_contact.c.erased_at.is_(None),
        )
        .order_by(ticket_contact.c.waiting_alert_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return [WaitingRequest(*row) for row in (await session.execute(query)).all()]


# -- erasure at the customer's request (clauses 19, 24) ----------------------------------------


async def erase_delivery(session: AsyncSession, row: DeliveryRecord) -> None:
    """What a delivery keeps once its customer is erased: no address, no context, and it is
    never sent if it was not yet."""
    statement = update(delivery).where(delivery.c.id == row.id).values(context={})
    if row.channel == "email":
        # Blank, yet unique per row: (event_id, channel, recipient) is unique, and one event
        # (an incident update, a fix release) may have mailed several customers erased later.
        statement = statement.values(recipient=f"erased:{row.id}")
    if row.status in (PENDING, FAILED):
        statement = statement.values(status=CANCELLED, last_error=ERASED)
    await session.execute(statement)


async def erase_tickets(session: AsyncSession, ticket_ids: list[uuid.UUID], at: datetime) -> int:
    """Forget the customer of these tickets: contact, beta membership, mail, stage notes.

    Idempotent. A ticket never seen gets an erased placeholder, so a ticket.created that
    arrives late cannot bring the contact back. Returns how many deliveries were erased.
    """
    if not ticket_ids:
        return 0
    contacts = select(ticket_contact.c.ticket_id, ticket_contact.c.email).where(
        ticket_contact.c.ticket_id.in_(ticket_ids)
    )
    rows = (await session.execute(contacts)).all()
    emails = sorted({row.email for row in rows if row.email})
    for ticket_id in sorted(set(ticket_ids) - {row.ticket_id for row in rows}):
        await session.execute(
            insert_ignoring_conflicts(
                session,
                ticket_contact,
                ["ticket_id"],
                ticket_id=ticket_id,
                number="",
                email="",
                name="",
                language="",
                subject="",
                erased_at=at,
            )
        )
    await session.execute(
        update(ticket_contact)
        .where(ticket_contact.c.ticket_id.in_(ticket_ids))
        .values(
            email="",
            name="",
            subject="",
            erased_at=func.coalesce(ticket_contact.c.erased_at, at),  # the first erasure stands
        )
    )
    await session.execute(
        update(ticket_stage).where(ticket_stage.c.ticket_id.in_(ticket_ids)).values(note=None)
    )
    # The beta programme's opt-in is theirs too, and so is any invitation mailed to them.
    own: ColumnElement[bool] = delivery.c.ticket_id.in_(ticket_ids)
    if emails:
        await session.execute(beta_member.delete().where(beta_member.c.email.in_(emails)))
        invited = delivery.c.ticket_id.is_(None) & delivery.c.recipient.in_(emails)
        own = or_(own, invited)
    deliveries = [
        _delivery(row) for row in (await session.execute(select(*_DELIVERY).where(own))).all()
    ]
    for row in deliveries:
        await erase_delivery(session, row)
    return len(deliveries)
