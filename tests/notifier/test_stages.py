"""The customer hears of every stage, in their language, once each (clauses 6, 9, 26)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from shared.auth import Role
from shared.contracts.events import (
    Actor,
    Channel,
    CustomerRef,
    EventPayload,
    Language,
    PartnerRef,
    SlaExtended,
    TicketMessageAdded,
    TicketStatus,
    TicketStatusChanged,
)
from tests import events
from tests.support import System, text_of, ticket_body


async def _ticket(system: System, language: str) -> tuple[dict[str, Any], CustomerRef]:
    body = ticket_body("anna@example.com")
    body["customer"] = {"email": "anna@example.com", "name": "Анна", "language": language}
    created = (await system.intake.post("/v1/tickets", json=body)).json()
    customer = CustomerRef(
        id=uuid.uuid4(),
        email="anna@example.com",
        name="Анна",
        language=Language(language),
        is_new=True,
    )
    await system.wait_for_mail(1)
    return created, customer


async def _publish(system: System, payload: EventPayload) -> None:
    await system.runtime("intake").bus.publish(events.envelope(payload))


def _change(
    created: dict[str, Any],
    customer: CustomerRef,
    old: TicketStatus,
    new: TicketStatus,
    **extra: Any,
) -> TicketStatusChanged:
    return events.status_changed(
        created["id"], new, old, number=created["number"], customer=customer, **extra
    )


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_one_mail_per_stage_in_the_customers_language(system: System, language: str) -> None:
    created, customer = await _ticket(system, language)
    number = created["number"]
    stages = [
        _change(created, customer, TicketStatus.received, TicketStatus.in_progress),
        _change(
            created,
            customer,
            TicketStatus.in_progress,
            TicketStatus.waiting_partner,
            partner=PartnerRef(name="PayBox", reference="PB-1"),
        ),
        _change(
            created,
            customer,
            TicketStatus.waiting_partner,
            TicketStatus.resolved,
            note="Платёжный шлюз исправлен партнёром.",
        ),
    ]
    for stage in stages:
        await _publish(system, stage)
    mails = await system.wait_for_mail(4)
    subjects = [str(m["Subject"]) for m in mails]
    assert all(f"[{number}]" in subject for subject in subjects)
    texts = {str(m["Subject"]): text_of(m) for m in mails}
    in_progress = "в работе" if language == "ru" else "in progress"
    assert any(in_progress in s for s in subjects)
    partner_mail = next(t for t in texts.values() if "PayBox" in t)
    assert ("стороннего сервиса" if language == "ru" else "third-party") in partner_mail
    report = next(t for s, t in texts.items() if ("решено" in s or "resolved" in s))
    assert "Платёжный шлюз исправлен партнёром." in report
    assert ("эскалацию" if language == "ru" else "escalation") in report
    assert ("от 1 до 5" if language == "ru" else "from 1 to 5") in report
    # The timeline and the times against the targets, as the sla service measured them.
    assert (" — получено" if language == "ru" else " — received") in report
    assert (" — решено" if language == "ru" else " — resolved") in report
    assert ("Первый ответ: через 0 ч" if language == "ru" else "First answer: after 0 h") in report
    assert ("в обещанный срок" if language == "ru" else "within our target") in report
    for mail in mails:
        assert mail["Content-Language"] == language
        assert mail.get_body(preferencelist=("html",)) is not None


async def test_agent_replies_are_sent_and_notes_never(system: System) -> None:
    created, customer = await _ticket(system, "ru")

    def message(body: str, *, internal: bool, author: Actor = Actor.agent) -> TicketMessageAdded:
        return TicketMessageAdded(
            ticket_id=created["id"],
            number=created["number"],
            message_id=uuid.uuid4(),
            author=author,
            internal=internal,
            first_response=not internal,
            body=body,
            added_at=datetime.now(UTC),
            customer=customer,
        )

    await _publish(system, message("Внутренняя заметка: проверить логи", internal=True))
    await _publish(
        system, message("Спасибо, я сам всё понял", internal=False, author=Actor.customer)
    )
    reply = message("Попробуйте очистить кэш браузера.", internal=False)
    event = events.envelope(reply)
    bus = system.runtime("intake").bus
    await bus.publish(event)
    await bus.publish(event)  # redelivered: still one mail
    mails = await system.wait_for_mail(2)
    import asyncio

    await asyncio.sleep(1)
    mails = system.mail()
    assert len(mails) == 2
    [answer] = [m for m in mails if "Попробуйте очистить кэш браузера." in text_of(m)]
    # A person's reply reads as personal: not marked bulk or automatic, so no mail system
    # files it away; the receipt is automatic.
    assert answer["Precedence"] is None and answer["Auto-Submitted"] is None
    [receipt] = [m for m in mails if m is not answer]
    assert receipt["Auto-Submitted"] == "auto-generated"
    assert not any("Внутренняя заметка" in text_of(m) for m in mails)


async def test_extension_notice_carries_the_reason(system: System) -> None:
    created, _customer = await _ticket(system, "en")
    due = datetime(2025, 11, 19, 12, 0, tzinfo=UTC)
    await _publish(
        system,
        SlaExtended(
            ticket_id=created["id"],
            number=created["number"],
            business_days=2,
            reason="The fix needs a platform change; we will tell you when it ships.",
            resolution_due_at=due,
            extended_at=due - timedelta(days=2),
        ),
    )
    mails = await system.wait_for_mail(2)
    text = text_of(mails[-1]) if "longer" in str(mails[-1]["Subject"]) else text_of(mails[0])
    assert "The fix needs a platform change" in text
    assert "19 Nov 2025, 15:00 Moscow time" in text


async def test_delivery_log_for_agents(system: System) -> None:
    created, _ = await _ticket(system, "ru")
    notifier = system.clients["notifier"]
    token = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.agent)

    async def log() -> list[dict[str, Any]]:
        response = await notifier.get(
            "/v1/deliveries",
            params={"ticket_id": created["id"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    from tests.support import eventually

    entries = await eventually(log, lambda found: bool(found) and found[0]["status"] == "sent")
    assert [(e["template"], e["recipient"], e["attempts"]) for e in entries] == [
        ("receipt", "anna@example.com", 1)
    ]
    # The receipt carried the customer's key; once sent, the log keeps no copy of it.
    assert created["access_token"] in text_of(system.mail()[0])
    table = system.runtime("notifier").metadata.tables["notifier.delivery"]
    async with system.runtime("notifier").db.sessions() as session:
        [context] = (await session.execute(select(table.c.context))).scalars().all()
    assert "access_token" not in context and created["access_token"] not in str(context)
    unauthenticated = await notifier.get("/v1/deliveries", params={"ticket_id": created["id"]})
    assert unauthenticated.status_code == 401
    partner = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.partner)
    forbidden = await notifier.get(
        "/v1/deliveries",
        params={"ticket_id": created["id"]},
        headers={"Authorization": f"Bearer {partner}"},
    )
    assert forbidden.status_code == 403


@pytest.mark.parametrize(
    ("received", "starts", "first_answer"),
    [
        # Friday evening: the desk starts on Monday; 24 business hours end on Wednesday.
        ("2025-11-14T19:05:00+03:00", "17.11.2025 09:00", "19.11.2025 15:00"),
        # Tuesday 10:00, open: no "we will start" line; Tue 8 h + Wed 9 h + Thu 7 h.
        ("2025-11-18T10:00:00+03:00", None, "20.11.2025 16:00"),
    ],
)
async def test_receipt_states_when_the_desk_starts_and_the_first_answer_target(
    system: System, received: str, starts: str | None, first_answer: str
) -> None:
    created = events.ticket_created(
        number="SC-000500",
        channel=Channel.email,
        subject="Вопрос",
        received_at=datetime.fromisoformat(received),
        customer=events.customer("p@example.com", name="П"),
    )
    await _publish(system, created)
    [mail] = await system.wait_for_mail(1)
    text = text_of(mail)
    assert f"не позднее {first_answer} по московскому времени" in text
    if starts:
        assert f"начнём работу над ним {starts} по московскому времени" in text
    else:
        assert "нерабочее время" not in text
