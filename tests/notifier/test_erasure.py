"""A customer erased at their request (clauses 19, 24): the notifier forgets their contact,
their beta membership and what it mailed them, cancels what was still to go, and mails them
no more; other customers' data stays as it was."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from services.notifier import repository
from services.notifier.tables import delivery, ticket_contact, ticket_stage
from shared.auth import Role
from shared.contracts.events import (
    CustomerErased,
    CustomerRef,
    DevelopmentFixReleased,
    EventPayload,
    Language,
    SlaExtended,
    TicketStatus,
    TicketStatusChanged,
)
from shared.db import wake_after_commit
from tests import events
from tests.support import System, eventually, text_of, ticket_body

OLGA, IVAN = "olga.smirnova@example.com", "ivan.petrov@example.com"
LINK = re.compile(r"https?://\S+/beta/opt-in\?token=\S+")


def _staff(system: System, role: Role) -> dict[str, str]:
    token = system.runtime("notifier").signer.issue(uuid.uuid4(), role)
    return {"Authorization": f"Bearer {token}"}


def _to(system: System, email: str) -> list[Any]:
    return [m for m in system.mail() if m["To"] == email]


async def _mails_to(system: System, email: str) -> int:
    return len(_to(system, email))


async def _ticket(system: System, email: str, name: str) -> dict[str, Any]:
    """A ticket filed through intake; back once its receipt is out, the customer in the beta."""
    body = ticket_body(email, subject=f"Оплата не проходит, {name}")
    body["customer"] = {"email": email, "name": name, "language": "ru"}
    response = await system.intake.post("/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receipts = await eventually(
        lambda: _deliveries(system, created["id"]),
        lambda found: any(d["status"] == "sent" for d in found),
    )
    assert receipts[0]["recipient"] == email
    [receipt, *_] = [m for m in _to(system, email) if created["number"] in str(m["Subject"])]
    parts = urlsplit(LINK.findall(text_of(receipt))[0])
    # The link shows a page; its button POSTs.
    joined = await system.clients["notifier"].post(f"/v1{parts.path}?{parts.query}")
    assert joined.status_code == 200 and joined.json() == {"opted_in": True}
    return created


async def _deliveries(system: System, ticket_id: str) -> list[dict[str, Any]]:
    response = await system.clients["notifier"].get(
        "/v1/deliveries", params={"ticket_id": ticket_id}, headers=_staff(system, Role.agent)
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def _publish(system: System, payload: EventPayload) -> None:
    """As intake, sla or escalation would; back once the notifier has handled it."""
    event = events.envelope(payload)
    await system.runtime("intake").bus.publish(event)
    await eventually(lambda: system.has_handled("notifier", event.id), bool)


async def _rows(system: System, table: Any, ticket_ids: list[str]) -> list[Any]:
    ids = [uuid.UUID(t) for t in ticket_ids]
    async with system.runtime("notifier").db.sessions() as session:
        query = select(table).where(table.c.ticket_id.in_(ids))
        return list((await session.execute(query)).all())


def _change(ticket: dict[str, Any], customer: CustomerRef, note: str) -> TicketStatusChanged:
    return events.status_changed(
        ticket["id"],
        TicketStatus.in_progress,
        number=ticket["number"],
        note=note,
        customer=customer,
    )


async def test_an_erased_customer_is_forgotten_and_mailed_no_more(system: System) -> None:
    olga_ref = CustomerRef(
        id=uuid.uuid4(), email=OLGA, name="Ольга", language=Language.ru, is_new=False
    )
    first = await _ticket(system, OLGA, "Ольга")
    second = await _ticket(system, OLGA, "Ольга")
    ivan = await _ticket(system, IVAN, "Иван")
    olgas = [first["id"], second["id"]]

    # An agent's note to her names her; and one mail is still waiting to go.
    await _publish(system, _change(first, olga_ref, "Ольга, перезвоните нам на +7 916 000-00-00"))
    await eventually(
        lambda: _deliveries(system, first["id"]),
        lambda found: [d["status"] for d in found] == ["sent", "sent"],
    )
    await _mail_olga(system, second, "sla.extended", "extension", timedelta(days=1))
    ivans_before = await _deliveries(system, ivan["id"])
    mails_to_olga = len(_to(system, OLGA))

    # Named with a ticket the notifier never saw: that is fine.
    erasure = CustomerErased(
        customer_id=olga_ref.id,
        ticket_ids=[*(uuid.UUID(t) for t in olgas), uuid.uuid4()],
        erased_at=datetime.now(UTC),
    )
    await _publish(system, erasure)

    # The delivery log keeps what happened and when, not to whom nor what.
    logs = [await _deliveries(system, ticket_id) for ticket_id in olgas]
    assert [len(log) for log in logs] == [2, 2]
    for log in logs:
        assert all("@" not in d["recipient"] for d in log)
    assert [d["status"] for d in logs[0]] == ["sent", "sent"]
    [receipt, waiting] = logs[1]
    assert receipt["status"] == "sent"
    assert waiting["status"] == "cancelled"
    assert waiting["last_error"] == "erased at the customer's request"
    assert all(row.context == {} for row in await _rows(system, delivery, olgas))
    contacts = await _rows(system, ticket_contact, olgas)
    assert {(c.email, c.name, c.subject) for c in contacts} == {("", "", "")}
    assert all(c.erased_at is not None and c.number for c in contacts)
    assert [s.note for s in await _rows(system, ticket_stage, olgas)] == [None]

    # Out of the beta programme: an invitation reaches Ivan alone.
    invitation = {"feature": "Тёмная тема", "text_ru": "Включите её.", "text_en": "Turn it on."}
    invited = await system.clients["notifier"].post(
        "/v1/beta/invitations", json=invitation, headers=_staff(system, Role.admin)
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["recipients"] == 1

    # Later events for her tickets mail her no more, whatever address they carry.
    await _publish(
        system,
        SlaExtended(
            ticket_id=first["id"],
            number=first["number"],
            business_days=2,
            reason="Ждём ответа банка",
            resolution_due_at=datetime.now(UTC) + timedelta(days=3),
            extended_at=datetime.now(UTC),
        ),
    )
    placeholder = olga_ref.model_copy(update={"email": "erased@example.com", "name": ""})
    await _publish(system, _change(first, placeholder, "Передано специалисту"))
    await _publish(
        system,
        DevelopmentFixReleased(
            release="2026.11.3",
            notes="Оплата снова проходит.",
            forward_ids=[uuid.uuid4()],
            ticket_ids=[uuid.UUID(first["id"]), uuid.UUID(ivan["id"])],
            released_at=datetime.now(UTC),
        ),
    )
    assert [d["event_type"] for d in await _deliveries(system, first["id"])] == [
        "ticket.created",
        "ticket.status_changed",
    ]
    assert [s.note for s in await _rows(system, ticket_stage, olgas)] == [None, None]

    # Ivan: his log, his mail, his invitation, as before.
    ivans = await eventually(
        lambda: _deliveries(system, ivan["id"]),
        lambda found: len(found) == len(ivans_before) + 1 and found[-1]["status"] == "sent",
    )
    assert ivans[: len(ivans_before)] == ivans_before
    assert ivans[-1]["event_type"] == "development.fix_released"
    assert ivans[-1]["recipient"] == IVAN
    await eventually(lambda: _mails_to(system, IVAN), lambda count: count == 3)
    assert len(_to(system, OLGA)) == mails_to_olga

    # Erasing again (redelivered, or a second request) changes nothing and does not fail.
    before = [await _deliveries(system, ticket_id) for ticket_id in olgas]
    await _publish(system, erasure.model_copy(update={"erased_at": datetime.now(UTC)}))
    assert [await _deliveries(system, ticket_id) for ticket_id in olgas] == before
    kept = {(c.ticket_id, c.erased_at) for c in await _rows(system, ticket_contact, olgas)}
    assert kept == {(c.ticket_id, c.erased_at) for c in contacts}

    # A mail a handler recorded just before the erasure committed is stopped by the sender.
    await _mail_olga(system, first, "incident.updated", "incident_update", timedelta(0))
    late = await eventually(
        lambda: _deliveries(system, first["id"]),
        lambda found: found[-1]["status"] == "cancelled",
    )
    assert "@" not in late[-1]["recipient"]
    assert len(_to(system, OLGA)) == mails_to_olga


async def _mail_olga(
    system: System, ticket: dict[str, Any], event_type: str, template: str, due_in: timedelta
) -> None:
    """A mail to Olga as a handler records it, due after ``due_in``."""
    async with system.runtime("notifier").db.transaction() as session:
        await repository.add_delivery(
            session,
            event_id=str(uuid.uuid4()),
            event_type=event_type,
            ticket_id=uuid.UUID(ticket["id"]),
            channel="email",
            recipient=OLGA,
            template=template,
            language="ru",
            context={"number": ticket["number"], "name": "Ольга"},
            next_attempt_at=datetime.now(UTC) + due_in,
        )
        wake_after_commit(session, "deliveries")
