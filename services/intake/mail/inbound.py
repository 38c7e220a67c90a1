"""Mail to the support address becomes tickets and replies (clause 3).

Every message that arrives (by SMTP, by HTTP from a mail provider, or from the IMAP poller) is
recorded once, with its raw bytes, in the same transaction as what it causes, so that a
listener that answers "accepted" only after ``receive`` returns never loses mail:

- automatic mail, bounces and our own mail are recorded and go no further (no loops);
- a sender writing too often is throttled: kept, not filed, not confirmed;
- a reply whose ticket (by the subject tag, our Message-ID or reply address) belongs to the
  sender joins that ticket: as a web reply would if it proves who wrote it (domain/replies.py),
  else kept on the ticket, unverified, for an agent to accept; on a closed ticket it starts a
  new one, linked;
- anything else with a sender is a new ticket of the email channel, broken MIME or not: the
  text is read as far as it goes, the repairs are listed for the agent beside a link to the
  raw message;
- mail without a usable sender (nobody to answer), or that could not be read at all, is kept
  as rejected, logged, and listed for staff; never a crash.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import structlog
from pydantic import ValidationError

from services.intake.attachments.use_cases import Upload
from services.intake.conversation import use_cases as conversation
from services.intake.domain.mail import InboundMail, parse
from services.intake.domain.replies import Thread, thread_of
from services.intake.domain.tickets import MAX_ATTACHMENTS, format_number, parse_number
from services.intake.knowledge import suggest
from services.intake.mail import queries as mail_queries
from services.intake.mail.queries import NewInboundMail, SeenMail
from services.intake.mail.schemas import InboundMailOut, InboundOutcome, RejectedMailOut
from services.intake.tickets import queries as ticket_queries
from services.intake.tickets import use_cases as tickets
from services.intake.tickets.queries import TicketWithCustomer
from services.intake.tickets.schemas import TicketCreate
from shared.contracts.events import Channel, Language, TicketStatus
from shared.contracts.mail import TICKET_TAG_RE
from shared.errors import NotFoundError
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
SUBJECT_MAX, BODY_MAX = 200, 50_000


@dataclass(frozen=True)
class _Decision:
    """What to do with a parsed message, decided before touching the database."""

    outcome: InboundOutcome
    reason: str | None = None


def fingerprint(mail: InboundMail, raw: bytes) -> str:
    """The same message twice has the same fingerprint: the same sender, Message-ID and words
    (a resend through another relay differs only in its trace headers). Some mailers reuse a
    Message-ID: a message with other words is another message, and is filed. Without a
    Message-ID, only the very same bytes are the same message."""
    if not mail.message_id:
        return hashlib.sha256(b"raw\n" + raw).hexdigest()
    digest = hashlib.sha256(f"{mail.sender or ''}\n{mail.message_id}\n".encode())
    digest.update(f"{mail.subject}\n{mail.full_text}\n".encode(errors="replace"))
    for attachment in mail.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()


def own_addresses(runtime: ServiceRuntime) -> frozenset[str]:
    settings = runtime.settings
    return frozenset(
        {*settings.mail_intake.support_addresses, parseaddr(settings.public.mail_from)[1].lower()}
    )


def guess_language(*texts: str) -> Language:
    return Language.ru if any(_CYRILLIC.search(text) for text in texts) else Language.en


def _first_look(
    runtime: ServiceRuntime, mail: InboundMail, envelope_sender: str | None
) -> _Decision | None:
    """Mail that never becomes a ticket, whatever the database holds; None for the rest."""
    if mail.unread is not None:
        return _Decision(InboundOutcome.rejected, mail.unread)
    if mail.sender is None:
        return _Decision(InboundOutcome.rejected, "no usable From address")
    # Loops first: an empty auto-reply or bounce is noise, not broken mail.
    if mail.sender in own_addresses(runtime):
        return _Decision(InboundOutcome.ignored, "from our own address")
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return _Decision(InboundOutcome.ignored, "bounce: null envelope sender")
    if mail.automatic is not None:
        return _Decision(InboundOutcome.ignored, f"automatic mail ({mail.automatic})")
    # Broken mail, even empty mail, is filed: its sender can be answered, and the raw message
    # is one click away for the agent.
    return None


def _attachments(mail: InboundMail) -> list[Upload]:
    """The files to keep, and those refused over a limit (listed, without bytes)."""
    uploads, taken = [], 0
    for item in mail.attachments:
        if item.refused is None:
            if taken == MAX_ATTACHMENTS:
                continue
            taken += 1
        if item.refused is None:
            upload = Upload(item.filename, item.content_type, len(item.data), item.data)
        else:
            upload = Upload(
                item.filename, item.content_type, item.size, None, item.refused, item.limit
            )
        uploads.append(upload)
    return uploads


def ticket_request(mail: InboundMail) -> TicketCreate:
    """The new ticket a message files; raises ValidationError if the sender is not usable."""
    assert mail.sender is not None
    # Our tag, or another ticket's, has no place in a new ticket's subject: ours gets added.
    subject = " ".join(TICKET_TAG_RE.sub("", mail.subject).split())
    language = guess_language(mail.subject, mail.text)
    if not subject:
        subject = "(без темы)" if language is Language.ru else "(no subject)"
    # The whole text: trimming quotes is for replies, and a new request often quotes an error
    # message or forwards the mail it is about.
    body = (
        mail.full_text.strip()
        or mail.subject.strip()
        or ("(see the attached files)" if mail.attachments else "(an empty message)")
    )
    return TicketCreate.model_validate(
        {
            "channel": Channel.email,
            "customer": {
                "email": mail.sender,
                "name": (mail.sender_name or mail.sender.split("@")[0])[:SUBJECT_MAX],
                "language": language,
            },
            "subject": subject[:SUBJECT_MAX],
            "body": body[:BODY_MAX],
        }
    )


def _unread(why: str) -> InboundMail:
    return InboundMail(
        sender=None,
        sender_name="",
        subject="",
        text="",
        full_text="",
        message_id=None,
        references=[],
        attachments=[],
        defects=[why],
        unread=why,
    )


# Reading runs beside the event loop, so that HTTP and SMTP go on answering meanwhile. A
# reading past its budget cannot be stopped in a thread: it finishes here, unheard, and the
# few threads bound how many can ever run at once.
_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mail-reader")


async def _read(runtime: ServiceRuntime, raw: bytes) -> InboundMail:
    """The parsed message. It does not raise by design; should it ever, or take longer than
    SVIFTDESK_MAIL_PARSE_SECONDS, the mail is still kept (as rejected, with the reason) rather
    than lost or refused."""
    settings = runtime.settings
    read = functools.partial(
        parse,
        raw,
        max_attachment_bytes=settings.limits.max_attachment_bytes,
        max_attachments_total=settings.limits.max_message_attachments_bytes,
    )
    try:
        async with asyncio.timeout(settings.mail_intake.mail_parse_seconds):
            return await asyncio.get_running_loop().run_in_executor(_READERS, read)
    except TimeoutError:
        log.warning(
            "inbound_mail.over_budget",
            seconds=settings.mail_intake.mail_parse_seconds,
            size=len(raw),
        )
        return _unread(f"not read within {settings.mail_intake.mail_parse_seconds:g} seconds")
    except Exception as exc:
        log.warning("inbound_mail.unparsable", error=type(exc).__name__)
        return _unread(f"could not be parsed: {type(exc).__name__}")


@dataclass(frozen=True, slots=True)
class Arrival:
    """A message as it came (its bytes), what could be read of it, and its fingerprint."""

    raw: bytes
    mail: InboundMail
    key: str


async def arrive(runtime: ServiceRuntime, raw: bytes) -> Arrival:
    """Read a message beside the event loop, before any unit of work: a slow reading holds
    no transaction."""
    mail = await _read(runtime, raw)
    return Arrival(raw, mail, fingerprint(mail, raw))


async def receive(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    arrival: Arrival,
    *,
    envelope_sender: str | None,
    recipients: Sequence[str],
    via: str,
    throttled: str | None = None,
) -> InboundMailOut:
    """Record one message and do what it asks, in the caller's unit of work; a resent message
    changes nothing and answers as the first time. ``throttled`` (why the door throttled it)
    keeps the message without filing it. The same message recorded by a concurrent delivery
    fails the unit (IntegrityError): ``received_before`` then answers, in another unit."""
    seen = await mail_queries.by_fingerprint(uow.session, arrival.key)
    if seen is not None:
        return _answer(seen, duplicate=True)
    return await _record(uow, runtime, arrival, envelope_sender, recipients, via, throttled)


async def received_before(uow: UnitOfWork, arrival: Arrival) -> InboundMailOut | None:
    """The answer a message already recorded got, as a resend of it is answered."""
    seen = await mail_queries.by_fingerprint(uow.session, arrival.key)
    return None if seen is None else _answer(seen, duplicate=True)


async def _record(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    arrival: Arrival,
    envelope_sender: str | None,
    recipients: Sequence[str],
    via: str,
    throttled: str | None,
) -> InboundMailOut:
    mail, now, mail_id = arrival.mail, datetime.now(UTC), uuid.uuid4()
    decision = _first_look(runtime, mail, envelope_sender)
    if decision is None and throttled is not None:
        decision = _Decision(InboundOutcome.throttled, throttled)
    taken = [item for item in mail.attachments if item.refused is None]
    if len(taken) > MAX_ATTACHMENTS:
        left_out = len(taken) - MAX_ATTACHMENTS
        mail.defects.append(f"{left_out} attachments over the limit of {MAX_ATTACHMENTS}")
    request: TicketCreate | None = None
    if decision is None:
        try:
            request = ticket_request(mail)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            decision = _Decision(InboundOutcome.rejected, f"not usable as a ticket: {where}")
    ticket_id: uuid.UUID | None = None
    number: str | None = None
    message_id: uuid.UUID | None = None
    if decision is None:
        assert request is not None and mail.sender is not None
        settings = runtime.settings
        window = timedelta(seconds=settings.mail_intake.mail_throttle_window_seconds)
        recent = await mail_queries.count_from(uow.session, mail.sender, now - window)
        if recent >= settings.mail_intake.mail_throttle_messages:
            decision = _Decision(
                InboundOutcome.throttled,
                f"more than {settings.mail_intake.mail_throttle_messages} messages from this "
                f"sender within {settings.mail_intake.mail_throttle_window_seconds} seconds",
            )
        else:
            decision, ticket_id, number, message_id = await _file(
                uow, runtime, mail, recipients, request, now
            )
    await mail_queries.add(
        uow.session,
        NewInboundMail(
            id=mail_id,
            fingerprint=arrival.key,
            received_at=now,
            via=via,
            envelope_sender=(envelope_sender or None) and envelope_sender[:320],
            recipients=[r.lower() for r in recipients],
            sender=mail.sender and mail.sender[:320],
            message_id=mail.message_id and mail.message_id[:998],
            subject=mail.subject,
            outcome=decision.outcome,
            reason=decision.reason,
            defects=mail.defects,
            ticket_id=ticket_id,
            ticket_message_id=message_id,
            size=len(arrival.raw),
            raw=arrival.raw,
        ),
    )
    return InboundMailOut(
        id=mail_id,
        outcome=decision.outcome,
        reason=decision.reason,
        duplicate=False,
        ticket_id=ticket_id,
        number=number,
    )


async def _file(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    mail: InboundMail,
    recipients: Sequence[str],
    request: TicketCreate,
    now: datetime,
) -> tuple[_Decision, uuid.UUID, str, uuid.UUID | None]:
    """A reply of the ticket's own customer joins it; anything else is a new ticket, filed
    by the web form's own code but in this unit of work, so that the mail's record and its
    ticket commit together before the sender is told the mail was accepted. Returns the
    ticket, and the message the mail became on it (None: the ticket itself)."""
    thread = thread_of(
        mail,
        recipients=recipients,
        support_addresses=runtime.settings.mail_intake.support_addresses,
        authserv_ids=runtime.settings.mail_intake.mail_authserv_ids,
        signer=runtime.signer,
    )
    replied = await _replied_ticket(uow, mail, thread)
    if replied is not None and TicketStatus(replied.status) is not TicketStatus.closed:
        assert thread is not None
        verified = thread.proof is not None
        message_id = await conversation.add_customer_reply(
            uow,
            runtime,
            replied,
            # A reply's new words only; the whole message stays one click away (its raw mail).
            body=(mail.text.strip() or request.body)[:BODY_MAX],
            attachments=_attachments(mail),
            at=now,
            verified=verified,
        )
        if verified:
            await ticket_queries.prove_addresses(uow.session, [replied.customer_id], now)
        decision = (
            _Decision(InboundOutcome.message_added)
            if verified
            else _Decision(
                InboundOutcome.unverified,
                "only the subject names the ticket, and anyone can copy it: kept on the "
                "ticket for an agent to accept",
            )
        )
        return decision, replied.id, format_number(replied.number), message_id
    # Articles for the receipt (clause 16), as the web form's filing has.
    suggestions = await suggest(runtime, request.subject, request.body, request.customer.language)
    uploads = _attachments(mail)
    if replied is not None:
        # A closed ticket is final (lifecycle): the reply starts a new one, linked both ways.
        created = await conversation.follow_up(
            uow, runtime, replied, request, suggestions=suggestions, uploads=uploads
        )
        reason = f"follows up on closed {format_number(replied.number)}"
        return _Decision(InboundOutcome.ticket_created, reason), created.id, created.number, None
    filing = tickets.new_filing(runtime, request, suggestions=suggestions, uploads=uploads)
    (created,) = await tickets.file_tickets(uow, runtime, [filing])
    return _Decision(InboundOutcome.ticket_created), created.id, created.number, None


async def _replied_ticket(
    uow: UnitOfWork, mail: InboundMail, thread: Thread | None
) -> TicketWithCustomer | None:
    """The ticket this mail answers, if it names one and the sender is its customer: only
    the customer adds to a ticket by mail (anyone can copy a subject line)."""
    sequence = parse_number(thread.number) if thread is not None else None
    if sequence is None:
        return None
    ticket_id = await ticket_queries.ticket_id_by_number(uow.session, sequence)
    row = None if ticket_id is None else await ticket_queries.get_ticket(uow.session, ticket_id)
    if row is None or row.email.lower() != mail.sender:
        return None
    return row


def _answer(seen: SeenMail, *, duplicate: bool) -> InboundMailOut:
    return InboundMailOut(
        id=seen.id,
        outcome=InboundOutcome(seen.outcome),
        reason=seen.reason,
        duplicate=duplicate,
        ticket_id=seen.ticket_id,
        number=format_number(seen.number) if seen.number is not None else None,
    )


async def rejected(
    uow: UnitOfWork, *, limit: int, outcome: InboundOutcome = InboundOutcome.rejected
) -> list[RejectedMailOut]:
    """Mail that could not be read (or was throttled), newest first, for staff to look at."""
    return [
        RejectedMailOut(
            id=row.id,
            received_at=row.received_at,
            via=row.via,
            sender=row.sender,
            message_id=row.message_id,
            subject=row.subject,
            reason=row.reason,
            defects=list(row.defects),
            size=row.size,
        )
        for row in await mail_queries.with_outcome(uow.session, outcome, limit)
    ]


async def raw_message(uow: UnitOfWork, mail_id: uuid.UUID) -> bytes:
    raw = await mail_queries.raw_of(uow.session, mail_id)
    if raw is None:
        raise NotFoundError("No inbound message with this id.")
    return raw
