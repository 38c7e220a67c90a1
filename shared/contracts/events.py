"""Event payloads: one versioned model per event type, and the registry that names them.

A breaking change to a payload adds a new version; consumers read ``dataschema`` to pick it.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.envelope import CloudEvent


class Channel(StrEnum):
    web = "web"
    email = "email"
    partner = "partner"
    api = "api"


class Language(StrEnum):
    ru = "ru"
    en = "en"


class Category(StrEnum):
    question = "question"
    bug = "bug"
    complaint = "complaint"
    feedback = "feedback"
    suggestion = "suggestion"
    onboarding = "onboarding"
    partner_issue = "partner_issue"
    testing_help = "testing_help"
    individual_solution = "individual_solution"  # clause 20: a solution made for one customer
    other = "other"


class TicketStatus(StrEnum):
    received = "received"
    open = "open"
    in_progress = "in_progress"
    waiting_customer = "waiting_customer"
    waiting_partner = "waiting_partner"
    in_development = "in_development"
    resolved = "resolved"
    closed = "closed"


# A consumer ignores fields it does not know: a newer producer may add optional ones (a
# compatible change within a version) while older consumers still run. Producers cannot slip
# an unknown field in: mypy's pydantic plugin checks every constructor call.
CONTRACT = ConfigDict(extra="ignore", frozen=True)


class EventPayload(BaseModel):
    """Base of every payload: the event type and version it is published as."""

    model_config = CONTRACT

    event_type: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def schema_id(cls) -> str:
        return f"urn:sviftdesk:event:{cls.event_type}:v{cls.version}"

    def to_event(
        self, *, source: str, subject: str | None = None, correlation_id: str | None = None
    ) -> CloudEvent:
        return CloudEvent(
            source=source,
            type=self.event_type,
            subject=subject,
            dataschema=self.schema_id(),
            correlationid=correlation_id,
            data=self.model_dump(mode="json"),
        )


class CustomerRef(BaseModel):
    model_config = CONTRACT

    id: uuid.UUID
    email: EmailStr
    name: str
    language: Language
    is_new: bool = Field(description="first ticket of this customer: gets onboarding guidance")
    share_with_partners: bool = Field(
        default=False,
        description=(
            "the customer's consent, when the event happened, to show partners their email and "
            "name (clauses 19, 24); a partner's webhook carries them only while it is on"
        ),
    )
    address_proven: bool = Field(
        default=True,
        description=(
            "the address has written to us itself (by mail), or staff or a partner filed the "
            "ticket; false (the anonymous web form, where anyone can type anyone's address): "
            "mail to it quotes none of the submitter's words, neither name nor subject"
        ),
    )


class ArticleSuggestion(BaseModel):
    """A published knowledge-base article that matches a new ticket (clause 16)."""

    model_config = CONTRACT

    id: uuid.UUID
    title: str
    language: Language
    snippet: str = Field(description="the article's opening, as plain text")


class AttachmentRef(BaseModel):
    """A file of a ticket or message, named, not carried: its bytes stay in intake, where
    staff download them (``GET /v1/tickets/{ticket_id}/attachments/{id}``)."""

    model_config = CONTRACT

    id: uuid.UUID
    filename: str
    content_type: str
    size: int = Field(description="bytes")
    refused: str | None = Field(
        default=None, description="a mailed file that was not taken, and why: it has no bytes"
    )
    limit: int | None = Field(default=None, description="the limit a refused file was over")


class TicketCreated(EventPayload):
    """A ticket was registered (clause 9); the customer is owed a receipt (clause 4)."""

    event_type: ClassVar[str] = "ticket.created"

    ticket_id: uuid.UUID
    number: str = Field(pattern=r"^SC-\d{6,}$")
    channel: Channel
    category: Category | None
    category_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "how sure the words were of the category they gave it (clause 18); null when the "
            "customer chose it"
        ),
    )
    subject: str
    status: TicketStatus
    received_at: AwareDatetime
    customer: CustomerRef
    attachments: list[AttachmentRef] = Field(
        default_factory=list,
        description="the request's files; a refused one is named in the receipt with the reason",
    )
    partner_id: uuid.UUID | None = Field(
        default=None, description="the partner that filed it; only that partner hears of it"
    )
    share_with_partners: bool = Field(
        default=False,
        deprecated=True,
        description="never set: a new ticket's consent is off; read customer.share_with_partners",
    )
    access_token: str | None = Field(
        default=None,
        description=(
            "secret: the customer's key to the ticket, for their receipt only; never forwarded "
            "to partners. Sent by earlier versions only: now access_seed and access_key_id"
        ),
    )
    access_seed: str | None = Field(
        default=None,
        max_length=100,
        description=(
            "what the customer's key is made from, with the deployment's secret key named by "
            "access_key_id (HMAC-SHA256), at the moment the receipt is written; useless alone; "
            "never forwarded to partners"
        ),
    )
    access_key_id: str | None = Field(default=None, max_length=20)
    suggested_articles: list[ArticleSuggestion] = Field(
        default_factory=list,
        description="up to three published articles that may answer it, for the receipt",
    )


class Complexity(StrEnum):
    simple = "simple"
    standard = "standard"
    complex = "complex"


class Actor(StrEnum):
    customer = "customer"
    agent = "agent"
    senior = "senior"
    partner = "partner"
    system = "system"


class PartnerRef(BaseModel):
    model_config = CONTRACT

    name: str
    reference: str | None = None
    partner_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "a registered partner's id (its key's credential id): it receives the ticket by "
            "webhook, may read it and answer on it; none for a partner outside SviftDesk"
        ),
    )


class TicketStatusChanged(EventPayload):
    """A ticket moved to a new stage; the customer is told of each (clause 6)."""

    event_type: ClassVar[str] = "ticket.status_changed"

    ticket_id: uuid.UUID
    number: str
    from_status: TicketStatus
    to_status: TicketStatus
    note: str | None = Field(
        default=None, description="what the customer reads; the resolution summary on resolve"
    )
    partner: PartnerRef | None = Field(default=None, description="when waiting on a partner")
    actor: Actor
    changed_at: AwareDatetime
    customer: CustomerRef
    cause: str | None = Field(
        default=None,
        description=(
            "the event type of another service's decision that made the move (incident.resolved,"
            " development.fix_released, …); none when a person moved it"
        ),
    )


class TicketMessageAdded(EventPayload):
    """A reply or an internal note; an agent's first public reply is the first response."""

    event_type: ClassVar[str] = "ticket.message_added"

    ticket_id: uuid.UUID
    number: str
    message_id: uuid.UUID
    author: Actor
    internal: bool = Field(description="an agents-only note: never shown or sent to the customer")
    first_response: bool = Field(description="the first public reply of an agent")
    body: str
    added_at: AwareDatetime
    customer: CustomerRef
    attachments: list[AttachmentRef] = Field(
        default_factory=list, description="the message's files (an agent's reply mails them)"
    )


class TicketComplexitySet(EventPayload):
    """An agent judged the ticket's complexity: it sets the resolution target (clause 8)."""

    event_type: ClassVar[str] = "ticket.complexity_set"

    ticket_id: uuid.UUID
    number: str
    complexity: Complexity
    set_at: AwareDatetime


class TicketCategorySet(EventPayload):
    """An agent corrected the ticket's category (clause 18); a complaint is reviewed by a
    senior (clause 14), and the reports count the ticket under its new category."""

    event_type: ClassVar[str] = "ticket.category_set"

    ticket_id: uuid.UUID
    number: str
    category: Category
    previous: Category | None
    subject: str = Field(description="the ticket's subject: a complaint review's reason")
    set_at: AwareDatetime


class TicketEscalationRequested(EventPayload):
    """The customer asked for a senior specialist's review (clause 11)."""

    event_type: ClassVar[str] = "ticket.escalation_requested"

    ticket_id: uuid.UUID
    number: str
    reason: str
    requested_at: AwareDatetime
    customer: CustomerRef


class TicketConsentChanged(EventPayload):
    """The customer gave or withdrew consent to show partners their contact (clauses 19, 24);
    from now on partners' webhooks carry it, or stop carrying it."""

    event_type: ClassVar[str] = "ticket.consent_changed"

    ticket_id: uuid.UUID
    number: str
    share_with_partners: bool
    changed_at: AwareDatetime
    customer: CustomerRef


class TicketSatisfactionRated(EventPayload):
    """The customer rated the answer after resolution (clauses 13, 27)."""

    event_type: ClassVar[str] = "ticket.satisfaction_rated"

    ticket_id: uuid.UUID
    number: str
    score: int = Field(ge=1, le=5)
    comment: str | None = None
    rated_at: AwareDatetime


class FeedbackKind(StrEnum):
    feedback = "feedback"
    suggestion = "suggestion"


class FeedbackStatus(StrEnum):
    """How far staff have got with a piece of feedback or a suggestion."""

    new = "new"
    read = "read"
    answered = "answered"
    planned = "planned"


class FeedbackReceived(EventPayload):
    """Someone left feedback or a suggestion without a ticket (clauses 13, 27). Carries no
    text: the acknowledgement quotes none of it to an address that has not proven itself."""

    event_type: ClassVar[str] = "feedback.received"

    feedback_id: uuid.UUID
    kind: FeedbackKind
    email: EmailStr | None = Field(default=None, description="null if no answer was wanted")
    language: Language = Language.ru
    received_at: AwareDatetime


class FeedbackStatusChanged(EventPayload):
    """Staff moved a piece of feedback along: read, answered or planned."""

    event_type: ClassVar[str] = "feedback.status_changed"

    feedback_id: uuid.UUID
    kind: FeedbackKind
    from_status: FeedbackStatus
    to_status: FeedbackStatus
    changed_at: AwareDatetime


class SlaTarget(StrEnum):
    first_response = "first_response"
    resolution = "resolution"
    escalation_review = "escalation_review"


class SlaTargetsSet(EventPayload):
    """A ticket's clocks started: when the desk starts on it and when each target falls due."""

    event_type: ClassVar[str] = "sla.targets_set"

    ticket_id: uuid.UUID
    number: str
    policy_version: str
    received_at: AwareDatetime
    clock_starts_at: AwareDatetime = Field(
        description="the next opening when the ticket arrived while the desk was closed"
    )
    first_response_due_at: AwareDatetime
    resolution_due_at: AwareDatetime


class SlaMet(EventPayload):
    """A target was met (or missed but now done): the answer or the resolution came."""

    event_type: ClassVar[str] = "sla.met"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    met_at: AwareDatetime
    business_minutes: int = Field(description="business minutes the target took")
    within_target: bool
    first_response_minutes: int | None = Field(
        default=None, description="on a resolution: business minutes the first answer took"
    )


class SlaWarning(EventPayload):
    """The warning share of a target's time has passed and the target is not yet met."""

    event_type: ClassVar[str] = "sla.warning"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    due_at: AwareDatetime


class SlaBreached(EventPayload):
    """A target was missed; escalation opens a review on it."""

    event_type: ClassVar[str] = "sla.breached"

    ticket_id: uuid.UUID
    number: str
    target: SlaTarget
    due_at: AwareDatetime
    breached_at: AwareDatetime


class SlaExtended(EventPayload):
    """The resolution target moved, with the reason the customer reads (clause 26)."""

    event_type: ClassVar[str] = "sla.extended"

    ticket_id: uuid.UUID
    number: str
    business_days: int
    reason: str
    resolution_due_at: AwareDatetime | None = Field(
        description="the new due time; none while the clock is paused"
    )
    extended_at: AwareDatetime


class SlaAutoCloseDue(EventPayload):
    """A resolved ticket heard nothing from its customer for the policy's business days: it
    closes by itself now (clause 18), and its customer is told."""

    event_type: ClassVar[str] = "sla.auto_close_due"

    ticket_id: uuid.UUID
    number: str
    resolved_at: AwareDatetime
    due_at: AwareDatetime


class EscalationSource(StrEnum):
    """What put a ticket in the senior queue."""

    customer_request = "customer_request"
    sla_breach = "sla_breach"
    complaint = "complaint"


class EscalationOpened(EventPayload):
    """A ticket went to the senior queue (clauses 11, 14, 18); its review target starts.

    The sla service keeps the review target (policy ``escalation_review_days``) on the business
    calendar from ``opened_at`` until the matching escalation.closed.
    """

    event_type: ClassVar[str] = "escalation.opened"

    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    source: EscalationSource
    reason: str = Field(
        description="the customer's words, the missed target, or the complaint's subject"
    )
    opened_at: AwareDatetime = Field(
        description="arrival in the senior queue: the review target counts from here"
    )


class EscalationAssigned(EventPayload):
    """A senior specialist took an escalation from the queue and is reviewing it."""

    event_type: ClassVar[str] = "escalation.assigned"

    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    assignee_id: uuid.UUID = Field(description="the senior specialist's staff id")
    opened_at: AwareDatetime
    assigned_at: AwareDatetime


class EscalationClosed(EventPayload):
    """A senior specialist finished the review; ``outcome`` is what the customer is told."""

    event_type: ClassVar[str] = "escalation.closed"

    escalation_id: uuid.UUID
    ticket_id: uuid.UUID
    number: str
    outcome: str = Field(description="written for the customer: they read it")
    sources: list[EscalationSource] = Field(
        description="every way this review was asked for, in order of arrival"
    )
    closed_by: uuid.UUID
    opened_at: AwareDatetime
    closed_at: AwareDatetime


class IncidentDeclared(EventPayload):
    """Agents declared a serious technical incident (clause 23)."""

    event_type: ClassVar[str] = "incident.declared"

    incident_id: uuid.UUID
    title: str
    summary: str
    ticket_ids: list[uuid.UUID] = Field(description="tickets linked when it was declared")
    declared_by: uuid.UUID
    declared_at: AwareDatetime


class IncidentTicketsLinked(EventPayload):
    """Tickets joined an open incident; their customers hear where it stands."""

    event_type: ClassVar[str] = "incident.tickets_linked"

    incident_id: uuid.UUID
    title: str
    latest: str = Field(description="the latest update, or the incident's summary before any")
    ticket_ids: list[uuid.UUID] = Field(description="the tickets linked just now")
    linked_at: AwareDatetime


class IncidentUpdated(EventPayload):
    """An update on an incident, for the customers of every linked ticket at once."""

    event_type: ClassVar[str] = "incident.updated"

    incident_id: uuid.UUID
    update_id: uuid.UUID
    title: str
    text: str = Field(description="written for the customers: they read it")
    ticket_ids: list[uuid.UUID] = Field(description="every ticket linked to the incident")
    posted_at: AwareDatetime


class IncidentResolved(EventPayload):
    """The incident is over: every linked ticket is resolved with ``summary``."""

    event_type: ClassVar[str] = "incident.resolved"

    incident_id: uuid.UUID
    title: str
    summary: str = Field(description="the resolution summary every linked customer reads")
    ticket_ids: list[uuid.UUID] = Field(description="every ticket linked to the incident")
    resolved_at: AwareDatetime


class DevelopmentForwarded(EventPayload):
    """The development tracker accepted a bug ticket (clause 12): it is in development."""

    event_type: ClassVar[str] = "development.forwarded"

    forward_id: uuid.UUID = Field(description="also the Idempotency-Key the tracker saw")
    ticket_id: uuid.UUID
    number: str
    tracker_reference: str | None = Field(description="the tracker's id for it, if it gave one")
    requested_at: AwareDatetime
    forwarded_at: AwareDatetime


class DevelopmentFixReleased(EventPayload):
    """The fix of forwarded bugs shipped in a release; every linked customer is told."""

    event_type: ClassVar[str] = "development.fix_released"

    release: str
    notes: str | None = Field(description="the tracker's release notes, if any")
    forward_ids: list[uuid.UUID]
    ticket_ids: list[uuid.UUID] = Field(description="every ticket whose bug this release fixed")
    released_at: AwareDatetime


class CredentialRevoked(EventPayload):
    """A staff token or partner key was revoked (clause 19): every service refuses it now.

    Tokens are checked by their signature alone, so the services other than intake, which
    issues them, learn of a revocation only from this event."""

    event_type: ClassVar[str] = "credential.revoked"

    credential_id: uuid.UUID = Field(description="the revoked token's subject")
    revoked_at: AwareDatetime


class StaffRole(StrEnum):
    agent = "agent"
    senior = "senior"
    admin = "admin"


class StaffRegistered(EventPayload):
    """A staff token was issued (``sviftdesk agents create``, ``POST /v1/credentials``): the
    notifier learns whom it may tell of work waiting for them, and at which address. Staff
    tokens expire within a day, so every working staff member is registered again daily."""

    event_type: ClassVar[str] = "staff.registered"

    credential_id: uuid.UUID = Field(description="the token's subject: who claims and answers")
    email: EmailStr
    role: StaffRole
    registered_at: AwareDatetime
    expires_at: AwareDatetime


class TicketAssigned(EventPayload):
    """Who holds a ticket now: claimed from the queue, taken up by an agent's move or reply,
    handed to a colleague, or put back in the queue (``assignee_id`` null)."""

    event_type: ClassVar[str] = "ticket.assigned"

    ticket_id: uuid.UUID
    number: str
    assignee_id: uuid.UUID | None = Field(description="the staff id now holding it; null: queue")
    previous_assignee_id: uuid.UUID | None
    assigned_by: uuid.UUID = Field(description="the staff member who made the change")
    assigned_at: AwareDatetime


class StaffNoticeKind(StrEnum):
    """What staff are told of; each staff member chooses, per kind, mail or console only."""

    request_waiting = "request_waiting"  # nobody took a new request in time: every agent
    customer_replied = "customer_replied"  # on the ticket an agent holds: its assignee
    sla_warning = "sla_warning"  # a target nears on a ticket an agent holds: its assignee
    queue_sla_warning = "queue_sla_warning"  # the same on a ticket nobody holds: every agent
    escalation_arrived = "escalation_arrived"  # a review for the senior queue: every senior
    ticket_handed_over = "ticket_handed_over"  # a colleague gave a ticket: its new assignee


class StaffNotified(EventPayload):
    """Someone on the staff must act: for the agent console to show at once. Whether it was
    also mailed follows that person's preferences (``by_mail``). No customer's words or key."""

    event_type: ClassVar[str] = "staff.notified"

    notification_id: uuid.UUID = Field(description="the same on a redelivery of its cause")
    kind: StaffNoticeKind
    staff_id: uuid.UUID = Field(description="the person's latest staff id (their token's subject)")
    email: EmailStr = Field(description="the person, whichever of their tokens is in use")
    ticket_id: uuid.UUID
    number: str
    escalation_id: uuid.UUID | None = None
    target: str | None = Field(default=None, description="sla warnings: the target that nears")
    due_at: AwareDatetime | None = Field(default=None, description="sla warnings: when it is due")
    by_mail: bool
    notified_at: AwareDatetime


class StaffSignInRequested(EventPayload):
    """A staff member asked for a one-time link to the agent console. Carries the link's
    parts, not the signed link: the notifier, which shares the secret key, signs it as it
    writes the mail (shared.signin), so no queue holds a working link."""

    event_type: ClassVar[str] = "staff.sign_in_requested"

    credential_id: uuid.UUID = Field(description="the staff token's id the session acts as")
    role: Literal["agent", "senior", "admin"]
    email: EmailStr
    language: Language = Language.ru
    nonce: str = Field(min_length=16, max_length=64, description="makes the link work once")
    expires_at: AwareDatetime


class AccessLink(BaseModel):
    """One of a customer's tickets, with the parts of its new key (not the key itself)."""

    model_config = CONTRACT

    ticket_id: uuid.UUID
    number: str
    subject: str
    access_seed: str = Field(max_length=100, description="as in ticket.created")
    access_key_id: str = Field(max_length=100, description="as in ticket.created")


class CustomerAccessLinksIssued(EventPayload):
    """A customer who lost their link asked for one by address: each of their tickets still
    open got a new key (the old links stop working), for the notifier to mail. Published only
    for an address that has such tickets; the asker is told the same either way."""

    event_type: ClassVar[str] = "customer.access_links_issued"

    email: EmailStr
    language: Language = Language.ru
    tickets: list[AccessLink] = Field(min_length=1, max_length=20)


class CustomerErased(EventPayload):
    """A customer's personal data was erased at their request (clauses 19, 24). Every service
    forgets what it keeps of that customer on these tickets: contacts, words, mail. Numbers,
    times, statuses and categories stay, for the reports (clause 22)."""

    event_type: ClassVar[str] = "customer.erased"

    customer_id: uuid.UUID
    ticket_ids: list[uuid.UUID] = Field(description="every ticket the customer ever filed")
    erased_at: AwareDatetime


EVENT_TYPES: dict[str, type[EventPayload]] = {
    model.event_type: model
    for model in (
        CredentialRevoked,
        StaffSignInRequested,
        CustomerAccessLinksIssued,
        CustomerErased,
        StaffRegistered,
        StaffNotified,
        TicketAssigned,
        TicketCreated,
        TicketStatusChanged,
        TicketMessageAdded,
        TicketComplexitySet,
        TicketCategorySet,
        TicketEscalationRequested,
        TicketConsentChanged,
        TicketSatisfactionRated,
        FeedbackReceived,
        FeedbackStatusChanged,
        SlaTargetsSet,
        SlaMet,
        SlaWarning,
        SlaBreached,
        SlaExtended,
        SlaAutoCloseDue,
        EscalationOpened,
        EscalationAssigned,
        EscalationClosed,
        IncidentDeclared,
        IncidentTicketsLinked,
        IncidentUpdated,
        IncidentResolved,
        DevelopmentForwarded,
        DevelopmentFixReleased,
    )
}


class UnknownEventError(ValueError):
    pass


def parse_payload(event: CloudEvent) -> EventPayload:
    """The typed payload of an event; raises for an unknown type or a payload that breaks it."""
    model = EVENT_TYPES.get(event.type)
    if model is None:
        raise UnknownEventError(f"unknown event type {event.type!r}")
    return model.model_validate(event.data)
