"""Events the notifier consumes: one function per payload type, each recording what to send.

Sending happens in the sender, after the commit, so a redelivered event never mails twice.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import structlog

from services.notifier import repository, staff
from services.notifier.domain import notifications, webhooks
from services.notifier.domain.notifications import ACCESS_LINKS, Contact, Notification
from services.notifier.domain.staff import BROADCAST_ROLES, StaffMember
from shared.contracts.api import article_path
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    Actor,
    CustomerAccessLinksIssued,
    CustomerErased,
    CustomerRef,
    DevelopmentFixReleased,
    EscalationClosed,
    EscalationOpened,
    FeedbackReceived,
    IncidentDeclared,
    IncidentTicketsLinked,
    IncidentUpdated,
    SlaBreached,
    SlaExtended,
    SlaMet,
    SlaTarget,
    SlaWarning,
    StaffNoticeKind,
    StaffRegistered,
    StaffSignInRequested,
    TicketAssigned,
    TicketConsentChanged,
    TicketCreated,
    TicketMessageAdded,
    TicketSatisfactionRated,
    TicketStatus,
    TicketStatusChanged,
)
from shared.db import wake_after_commit
from shared.inbox import HandlersByType
from shared.policy.book import PolicyBook
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class ContactNotKnownYetError(RuntimeError):
    """The ticket's ticket.created has not reached the notifier yet: retried later."""


def _contact(number: str, subject: str, customer: CustomerRef) -> Contact:
    """Whom to write to, and what of theirs the mail may quote: nothing of an address that
    has not written to us itself (anyone can type anyone's address into the web form)."""
    if not customer.address_proven:
        return Contact(number, customer.email, "", customer.language, "")
    return Contact(number, customer.email, customer.name, customer.language, subject)


def _handled(uow: UnitOfWork) -> CloudEvent:
    """The event being handled, as it came: its id makes each delivery once per event, and a
    partner's webhook is sent the whole envelope. The inbox always gives it."""
    if uow.event is None:
        raise RuntimeError("a notifier handler ran outside the inbox")
    return uow.event


async def _record(uow: UnitOfWork, ticket_id: uuid.UUID | None, notification: Notification) -> None:
    event = _handled(uow)
    await repository.add_delivery(
        uow.session,
        event_id=event.id,
        event_type=event.type,
        ticket_id=ticket_id,
        channel="email",
        recipient=notification.recipient,
        template=notification.template,
        language=notification.language,
        context=notification.context,
        next_attempt_at=datetime.now(UTC),
    )
    wake_after_commit(uow.session, "deliveries")


async def _fan_out_to_partner(
    uow: UnitOfWork,
    ticket_id: uuid.UUID,
    handed_to: uuid.UUID | None = None,
) -> None:
    """A ticket's events reach the partner that filed it and the one it was handed to, on the
    webhooks they subscribed; ``handed_to``: the partner it is handed to just now."""
    contact = await repository.get_contact(uow.session, ticket_id)
    known = (contact.partner_id, contact.handed_to) if contact else ()
    partners = {p for p in (*known, handed_to) if p is not None}
    if not partners:
        return
    event = _handled(uow)
    body = webhooks.partner_view(event.model_dump(mode="json"))
    hooks = [h for p in partners for h in await repository.webhooks_of(uow.session, p)]
    for hook in hooks:
        if webhooks.wants(hook.event_types, event.type):
            await repository.add_delivery(
                uow.session,
                event_id=event.id,
                event_type=event.type,
                ticket_id=ticket_id,
                channel="webhook",
                recipient=str(hook.id),
                template=event.type,
                language="",
                context=body,
                next_attempt_at=datetime.now(UTC),
            )
            wake_after_commit(uow.session, "deliveries")


async def _known_contact(uow: UnitOfWork, ticket_id: uuid.UUID) -> Contact:
    contact = await repository.get_contact(uow.session, ticket_id)
    if contact is None:
        raise ContactNotKnownYetError(f"no contact yet for ticket {ticket_id}")
    return contact


async def on_ticket_created(
    uow: UnitOfWork, payload: TicketCreated, book: PolicyBook, waiting_minutes: int = 0
) -> None:
    """The receipt confirmation (clause 4): the number, when the desk starts on it if it came
    while closed (clause 10), the first-response target (clause 2), onboarding for newcomers
    (clause 15). Times come from the same policy and calendar the sla service keeps."""
    contact = replace(
        _contact(payload.number, payload.subject, payload.customer), partner_id=payload.partner_id
    )
    if not await repository.save_contact(uow.session, payload.ticket_id, contact):
        return  # erased before its ticket.created got here: nothing to keep, no one to tell
    await repository.note_received(uow.session, payload.ticket_id, payload.received_at)
    alert_at = staff.waiting_alert_at(book, payload.received_at, waiting_minutes)
    await repository.set_waiting_alert(uow.session, payload.ticket_id, alert_at)
    policy = book.at(payload.received_at)
    calendar = book.calendar(policy.version)
    starts_at = calendar.next_open(payload.received_at)
    first_answer_by = calendar.add(payload.received_at, policy.targets.first_response_minutes)
    language = contact.language
    receipt = Notification(
        "receipt",
        contact.email,
        language,
        {
            "number": payload.number,
            "name": contact.name,
            "subject": contact.subject,
            "is_new": payload.customer.is_new,
            "starts_at": (
                notifications.format_moment(starts_at, language)
                if starts_at > payload.received_at
                else None
            ),
            "first_answer_by": notifications.format_moment(first_answer_by, language),
            "ticket_id": str(payload.ticket_id),
            # What the sender remakes the customer's key from, as it writes the mail; an event
            # of an earlier version carries the key itself.
            "access_seed": payload.access_seed,
            "access_key_id": payload.access_key_id,
            "access_token": payload.access_token,
            # Knowledge-base articles that may answer it at once (clause 16); the sender puts
            # the site's address before each path.
            # Chosen by the submitter's words, so not to an address that never wrote itself.
            "articles": [
                {"title": a.title, "path": article_path(a.id), "snippet": a.snippet}
                for a in payload.suggested_articles
                if payload.customer.address_proven
            ],
            # Mailed files over a size limit: the sender is told which, and the limit.
            "refused_files": notifications.refused_files(payload.attachments),
        },
    )
    await _record(uow, payload.ticket_id, receipt)
    await _fan_out_to_partner(uow, payload.ticket_id)


async def on_status_changed(uow: UnitOfWork, payload: TicketStatusChanged) -> None:
    """Every stage, in words the customer understands (clause 6); the report on resolution."""
    known = await repository.get_contact(uow.session, payload.ticket_id)
    erased = known is not None and known.erased
    # An erased customer gets no report, so the note (which may name them) is not kept either.
    note = None if erased else payload.note
    await repository.add_stage(
        uow.session, payload.ticket_id, payload.changed_at, payload.to_status, note
    )
    if not erased:
        contact = _contact(payload.number, known.subject if known else "", payload.customer)
        notification = notifications.for_status_change(contact, payload)
        if notification is not None:
            await _record(uow, payload.ticket_id, notification)
    if payload.to_status in FINISHED:
        await repository.set_waiting_alert(uow.session, payload.ticket_id, None)
    handed_to = payload.partner.partner_id if payload.partner else None
    if payload.to_status is TicketStatus.waiting_partner:
        await repository.hand_to(uow.session, payload.ticket_id, handed_to)
    await _fan_out_to_partner(uow, payload.ticket_id, handed_to)


async def on_sla_met(uow: UnitOfWork, payload: SlaMet) -> None:
    """The resolution report goes out once the sla service has measured the resolution."""
    await _fan_out_to_partner(uow, payload.ticket_id)
    if payload.target is not SlaTarget.resolution:
        return
    contact = await _known_contact(uow, payload.ticket_id)
    if contact.erased:
        return
    stages = await repository.stages_of(uow.session, payload.ticket_id)
    resolved = [s for s in stages if s.status == "resolved" and s.at <= payload.met_at]
    if not resolved:
        # The resolution itself has not reached us yet: retried shortly.
        raise ContactNotKnownYetError(f"resolution of {payload.ticket_id} not seen yet")
    report = notifications.for_report(
        contact,
        note=resolved[-1].note,
        stages=[(s.at, s.status) for s in stages if s.at <= payload.met_at],
        received_at=await repository.received_at_of(uow.session, payload.ticket_id),
        first_response_minutes=payload.first_response_minutes,
        resolution_minutes=payload.business_minutes,
        within_target=payload.within_target,
    )
    await _record(uow, payload.ticket_id, report)


async def on_message_added(uow: UnitOfWork, payload: TicketMessageAdded) -> None:
    known = await repository.get_contact(uow.session, payload.ticket_id)
    contact = _contact(payload.number, known.subject if known else "", payload.customer)
    refused = notifications.for_refused_files(contact, payload)
    if refused is not None and (known is None or not known.erased):
        await _record(uow, payload.ticket_id, refused)
    notification = notifications.for_message(contact, payload)
    if notification is not None:
        if known is None or not known.erased:
            await _record(uow, payload.ticket_id, notification)
        await _fan_out_to_partner(uow, payload.ticket_id)
    if payload.author is Actor.customer and not payload.internal and known and not known.erased:
        # The agent holding the ticket hears that its customer wrote; nobody holds it: it is
        # in the queue, where the waiting alert covers it.
        assignee = await repository.assignee_of(uow.session, payload.ticket_id)
        member = await repository.staff_member(uow.session, assignee) if assignee else None
        members = [member] if member else []
        kind = StaffNoticeKind.customer_replied
        await _tell_staff(uow, payload.ticket_id, members, kind, known)


async def on_consent_changed(uow: UnitOfWork, payload: TicketConsentChanged) -> None:
    """The partner working on the ticket learns the customer's contact, or that it is gone."""
    await _fan_out_to_partner(uow, payload.ticket_id)


async def on_partner_news(uow: UnitOfWork, payload: SlaBreached | TicketSatisfactionRated) -> None:
    """Events that mail no customer but that the ticket's partner may subscribe to."""
    await _fan_out_to_partner(uow, payload.ticket_id)


async def on_sla_extended(uow: UnitOfWork, payload: SlaExtended) -> None:
    """A fix that takes longer is always told, with the reason (clause 26)."""
    contact = await _known_contact(uow, payload.ticket_id)
    if not contact.erased:
        await _record(uow, payload.ticket_id, notifications.for_extension(contact, payload))
    await _fan_out_to_partner(uow, payload.ticket_id)


async def _tell_ticket(
    uow: UnitOfWork,
    ticket_id: uuid.UUID,
    template: str,
    extra: dict[str, object],
) -> bool:
    """Mail a ticket's customer; False when the notifier never saw that ticket."""
    contact = await repository.get_contact(uow.session, ticket_id)
    if contact is None:
        return False
    # An erased customer is mailed no more; the partner still hears (intake blanked the data).
    if not contact.erased:
        context = {"number": contact.number, "name": contact.name, "subject": contact.subject}
        notification = Notification(template, contact.email, contact.language, context | extra)
        await _record(uow, ticket_id, notification)
    await _fan_out_to_partner(uow, ticket_id)
    return True


async def _tell_tickets(
    uow: UnitOfWork,
    ticket_ids: list[uuid.UUID],
    template: str,
    extra: dict[str, object],
) -> None:
    """One event, many customers at once (incidents, releases): each told once."""
    for ticket_id in ticket_ids:
        if not await _tell_ticket(uow, ticket_id, template, extra):
            log.warning("notify.unknown_ticket", ticket_id=str(ticket_id), type=_handled(uow).type)


async def on_escalation_opened(uow: UnitOfWork, payload: EscalationOpened) -> None:
    """A senior specialist reviews the request (clause 11)."""
    if not await _tell_ticket(uow, payload.ticket_id, "escalation_opened", {}):
        raise ContactNotKnownYetError(f"no contact yet for ticket {payload.ticket_id}")
    # The senior queue has news: every senior at work hears of it.
    kind = StaffNoticeKind.escalation_arrived
    seniors = await repository.staff_on_duty(uow.session, BROADCAST_ROLES[kind], datetime.now(UTC))
    contact = await _known_contact(uow, payload.ticket_id)
    detail: dict[str, Any] = {"escalation_id": payload.escalation_id}
    await _tell_staff(uow, payload.ticket_id, seniors, kind, contact, **detail)


async def on_escalation_closed(uow: UnitOfWork, payload: EscalationClosed) -> None:
    extra: dict[str, object] = {"outcome": payload.outcome}
    if not await _tell_ticket(uow, payload.ticket_id, "escalation_closed", extra):
        raise ContactNotKnownYetError(f"no contact yet for ticket {payload.ticket_id}")


async def on_incident_declared(uow: UnitOfWork, payload: IncidentDeclared) -> None:
    """Clause 23: the customers of the tickets linked at once hear of the incident at once."""
    extra: dict[str, object] = {"title": payload.title, "text": payload.summary}
    await _tell_tickets(uow, payload.ticket_ids, "incident_update", extra)


async def on_incident_tickets_linked(uow: UnitOfWork, payload: IncidentTicketsLinked) -> None:
    extra: dict[str, object] = {"title": payload.title, "text": payload.latest}
    await _tell_tickets(uow, payload.ticket_ids, "incident_update", extra)


async def on_incident_updated(uow: UnitOfWork, payload: IncidentUpdated) -> None:
    """One update reaches every linked customer at once (clause 23)."""
    extra: dict[str, object] = {"title": payload.title, "text": payload.text}
    await _tell_tickets(uow, payload.ticket_ids, "incident_update", extra)


async def on_fix_released(uow: UnitOfWork, payload: DevelopmentFixReleased) -> None:
    """The fix of a reported bug shipped (clause 12): every linked customer is told."""
    extra: dict[str, object] = {"release": payload.release, "notes": payload.notes}
    await _tell_tickets(uow, payload.ticket_ids, "fix_released", extra)


async def on_feedback_received(uow: UnitOfWork, payload: FeedbackReceived) -> None:
    """Whoever left an address hears that their feedback arrived and will be read (clauses
    13, 27); the mail quotes none of it, as anyone can type anyone's address."""
    notification = notifications.for_feedback(payload)
    if notification is not None:
        await _record(uow, None, notification)


async def on_staff_sign_in_requested(uow: UnitOfWork, payload: StaffSignInRequested) -> None:
    """A staff member gets their one-time console link. The delivery keeps the link's parts;
    the sender signs it as it writes the mail, so no table holds a working link."""
    grant = {
        "credential_id": str(payload.credential_id),
        "role": payload.role,
        "expires_at": payload.expires_at.isoformat(),
        "nonce": payload.nonce,
    }
    minutes = max(round((payload.expires_at - datetime.now(UTC)).total_seconds() / 60), 1)
    notification = Notification(
        "staff_sign_in",
        payload.email,
        payload.language.value,
        {"sign_in": grant, "minutes": minutes},
    )
    await _record(uow, None, notification)


async def on_access_links_issued(uow: UnitOfWork, payload: CustomerAccessLinksIssued) -> None:
    """A customer who lost their links gets new ones. The delivery keeps each key's parts; the
    sender remakes the keys as it writes the mail and forgets the parts once it is sent."""
    links = [
        {
            "number": link.number,
            "subject": link.subject,
            "access_seed": link.access_seed,
            "access_key_id": link.access_key_id,
        }
        for link in payload.tickets
    ]
    notification = Notification(
        "access_links", payload.email, payload.language.value, {ACCESS_LINKS: links}
    )
    await _record(uow, None, notification)


async def on_customer_erased(uow: UnitOfWork, payload: CustomerErased) -> None:
    """Forget the customer on every ticket they filed (clauses 19, 24); numbers, times and
    statuses stay for the reports (clause 22). Tickets never seen here are fine."""
    deliveries = await repository.erase_tickets(uow.session, payload.ticket_ids, payload.erased_at)
    await uow.outbox.forget_published(uow.session, payload.ticket_ids)
    log.info("notify.customer_erased", tickets=len(payload.ticket_ids), deliveries=deliveries)


# -- staff: who must act is told ---------------------------------------------------------------

FINISHED = (TicketStatus.resolved, TicketStatus.closed)


async def _tell_staff(
    uow: UnitOfWork,
    ticket_id: uuid.UUID,
    members: list[StaffMember],
    kind: StaffNoticeKind,
    contact: Contact,
    **detail: Any,
) -> None:
    event = _handled(uow)
    await staff.tell(
        uow,
        members,
        kind=kind,
        cause=event.id,
        cause_type=event.type,
        ticket_id=ticket_id,
        number=contact.number,
        **detail,
    )


async def on_staff_registered(uow: UnitOfWork, payload: StaffRegistered) -> None:
    """A staff token was issued: its holder is told of what is theirs from now on."""
    await repository.register_staff(
        uow.session,
        credential_id=payload.credential_id,
        email=str(payload.email).lower(),
        role=payload.role.value,
        registered_at=payload.registered_at,
        expires_at=payload.expires_at,
    )


async def on_ticket_assigned(
    uow: UnitOfWork, payload: TicketAssigned, book: PolicyBook, waiting_minutes: int
) -> None:
    """Who holds the ticket now; a colleague who handed it to someone tells them so."""
    contact = await _known_contact(uow, payload.ticket_id)
    alert_at = None
    if payload.assignee_id is None:
        stages = await repository.stages_of(uow.session, payload.ticket_id)
        if not stages or TicketStatus(stages[-1].status) not in FINISHED:
            # Back in the queue: it waits for an agent again.
            alert_at = staff.waiting_alert_at(book, payload.assigned_at, waiting_minutes)
    await repository.set_assignee(uow.session, payload.ticket_id, payload.assignee_id, alert_at)
    if contact.erased or payload.assignee_id in (None, payload.assigned_by):
        return
    member = await repository.staff_member(uow.session, payload.assignee_id)
    members = [member] if member else []
    kind = StaffNoticeKind.ticket_handed_over
    await _tell_staff(uow, payload.ticket_id, members, kind, contact)


async def on_sla_warning(uow: UnitOfWork, payload: SlaWarning) -> None:
    """A target nears: the agent holding the ticket is told, or, if nobody holds it, every
    agent at work who wants to hear of it."""
    contact = await _known_contact(uow, payload.ticket_id)
    if contact.erased:
        return
    assignee = await repository.assignee_of(uow.session, payload.ticket_id)
    member = await repository.staff_member(uow.session, assignee) if assignee else None
    if member is not None:
        kind, members = StaffNoticeKind.sla_warning, [member]
    else:
        kind = StaffNoticeKind.queue_sla_warning
        members = await repository.staff_on_duty(
            uow.session, BROADCAST_ROLES[kind], datetime.now(UTC)
        )
    detail: dict[str, Any] = {"target": payload.target, "due_at": payload.due_at}
    await _tell_staff(uow, payload.ticket_id, members, kind, contact, **detail)


def make_handlers(book: PolicyBook, waiting_minutes: int = 0) -> HandlersByType:
    # The receipt and the queue's waiting alert read the desk's policy and calendar.
    async def on_ticket_created_here(uow: UnitOfWork, payload: TicketCreated) -> None:
        await on_ticket_created(uow, payload, book, waiting_minutes)

    async def on_ticket_assigned_here(uow: UnitOfWork, payload: TicketAssigned) -> None:
        await on_ticket_assigned(uow, payload, book, waiting_minutes)

    return {
        TicketCreated: on_ticket_created_here,
        TicketAssigned: on_ticket_assigned_here,
        StaffRegistered: on_staff_registered,
        SlaWarning: on_sla_warning,
        TicketStatusChanged: on_status_changed,
        TicketMessageAdded: on_message_added,
        TicketConsentChanged: on_consent_changed,
        SlaExtended: on_sla_extended,
        SlaMet: on_sla_met,
        SlaBreached: on_partner_news,
        TicketSatisfactionRated: on_partner_news,
        EscalationOpened: on_escalation_opened,
        EscalationClosed: on_escalation_closed,
        IncidentDeclared: on_incident_declared,
        IncidentTicketsLinked: on_incident_tickets_linked,
        IncidentUpdated: on_incident_updated,
        DevelopmentFixReleased: on_fix_released,
        CustomerErased: on_customer_erased,
        FeedbackReceived: on_feedback_received,
        StaffSignInRequested: on_staff_sign_in_requested,
        CustomerAccessLinksIssued: on_access_links_issued,
    }
