"""Partner webhooks: signed, retried, parked after the last try, replayed; personal data
only with the customer's consent (clauses 17, 24)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notifier.domain.webhooks import DELIVERED
from shared.auth import Role
from shared.contracts.events import (
    Actor,
    Channel,
    DevelopmentFixReleased,
    EscalationClosed,
    EscalationOpened,
    EscalationSource,
    EventPayload,
    IncidentDeclared,
    IncidentTicketsLinked,
    IncidentUpdated,
    SlaBreached,
    SlaExtended,
    SlaMet,
    SlaTarget,
    TicketConsentChanged,
    TicketCreated,
    TicketMessageAdded,
    TicketSatisfactionRated,
    TicketStatus,
    TicketStatusChanged,
)
from tests.events import customer, envelope, ticket_created
from tests.intake.helpers import agent, bearer, issue, move, new_ticket
from tests.support import LoopbackReceiver, System, eventually, text_of


def _auth(system: System, role: Role, subject: uuid.UUID, *scopes: str) -> dict[str, str]:
    token = system.runtime("notifier").signer.issue(subject, role, scopes)
    return {"Authorization": f"Bearer {token}"}


async def _subscribe(
    system: System, partner: uuid.UUID, url: str, events: list[str]
) -> dict[str, Any]:
    response = await system.clients["notifier"].post(
        "/v1/webhooks",
        json={"url": url, "events": events},
        headers=_auth(system, Role.partner, partner, "webhooks"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _created(partner: uuid.UUID, *, consent: bool) -> TicketCreated:
    return ticket_created(
        number="SC-000042",
        channel=Channel.partner,
        subject="Оплата через PayBox",
        customer=customer("olga@example.com", name="Ольга", share_with_partners=consent),
        partner_id=partner,
        share_with_partners=consent,
        access_token="the-customers-own-key",
    )


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    timestamp = headers["x-sviftdesk-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-sviftdesk-signature"], "sha256=" + expected.hexdigest())


async def _publish(system: System, payload: EventPayload) -> None:
    await system.runtime("intake").bus.publish(envelope(payload))


@pytest.mark.parametrize("consent", [False, True])
async def test_signed_delivery_with_personal_data_only_by_consent(
    system: System, receiver: LoopbackReceiver, consent: bool
) -> None:
    partner = uuid.uuid4()
    hook = await _subscribe(system, partner, receiver.url, ["ticket.created"])
    await _publish(system, _created(partner, consent=consent))
    await _publish(system, _created(uuid.uuid4(), consent=True))  # another partner's ticket
    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == 1)
    [request] = receiver.requests
    assert _verify(hook["secret"], request.headers, request.body)
    assert not _verify("wrong-secret", request.headers, request.body)
    event = json.loads(request.body)
    assert event["type"] == "ticket.created" == request.headers["x-sviftdesk-event"]
    customer = event["data"]["customer"]
    assert ("email" in customer) is consent
    assert ("olga@example.com" in request.body.decode()) is consent
    assert "access_token" not in event["data"]  # the customer's key never reaches a partner
    await asyncio.sleep(0.5)
    assert len(receiver.requests) == 1


async def test_a_failing_endpoint_is_retried_then_parked_and_replayed(
    system: System, receiver: LoopbackReceiver
) -> None:
    partner = uuid.uuid4()
    receiver.answers = [500, 503]  # fails, then keeps failing
    await _subscribe(system, partner, receiver.url, ["*"])
    created = _created(partner, consent=False)
    event = envelope(created)
    bus = system.runtime("intake").bus
    await bus.publish(event)
    await bus.publish(event)  # redelivered: one delivery all the same

    tries = 1 + len(system.settings.deliveries.notify_retry_delays_ms)
    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == tries)
    assert len({r.headers["x-sviftdesk-delivery"] for r in receiver.requests}) == 1

    notifier = system.clients["notifier"]
    admin = _auth(system, Role.admin, uuid.uuid4())

    async def parked() -> list[dict[str, Any]]:
        return list((await notifier.get("/v1/deliveries/parked", headers=admin)).json())

    [entry] = await eventually(parked, lambda found: len(found) == 1)
    assert entry["channel"] == "webhook" and "HTTP 503" in entry["last_error"]
    agent = _auth(system, Role.agent, uuid.uuid4())
    assert (await notifier.get("/v1/deliveries/parked", headers=agent)).status_code == 403

    receiver.answers = [200]  # the partner fixed its endpoint
    response = await notifier.post(f"/v1/deliveries/{entry['id']}/retry", headers=admin)
    assert response.status_code == 202
    await eventually(parked, lambda found: found == [])
    # Back in line, it is sent once more, as the same delivery.
    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == tries + 1)
    await asyncio.sleep(0.5)
    assert len(receiver.requests) == tries + 1
    assert len({r.headers["x-sviftdesk-delivery"] for r in receiver.requests}) == 1


async def test_subscription_rules(system: System, receiver: LoopbackReceiver) -> None:
    notifier = system.clients["notifier"]
    partner = uuid.uuid4()
    no_scope = _auth(system, Role.partner, partner)
    body = {"url": receiver.url, "events": ["ticket.created"]}
    assert (await notifier.post("/v1/webhooks", json=body, headers=no_scope)).status_code == 403
    scoped = _auth(system, Role.partner, partner, "webhooks")
    bad = await notifier.post(
        "/v1/webhooks", json={"url": receiver.url, "events": ["ticket.exploded"]}, headers=scoped
    )
    assert bad.status_code == 422 and "events" in bad.json()["detail"]
    bad = await notifier.post(
        "/v1/webhooks", json={"url": "not a url", "events": ["*"]}, headers=scoped
    )
    assert bad.status_code == 422 and "url" in bad.json()["detail"]
    hook = await _subscribe(system, partner, receiver.url, ["ticket.created"])
    listed = (await notifier.get("/v1/webhooks", headers=scoped)).json()
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0]
    other = _auth(system, Role.partner, uuid.uuid4(), "webhooks")
    assert (await notifier.get("/v1/webhooks", headers=other)).json() == []
    gone = await notifier.delete(f"/v1/webhooks/{hook['id']}", headers=other)
    assert gone.status_code == 404
    gone = await notifier.delete(f"/v1/webhooks/{hook['id']}", headers=scoped)
    assert gone.status_code == 204


async def test_the_partner_sees_the_contact_only_while_the_customer_consents(
    system: System, receiver: LoopbackReceiver
) -> None:
    """The customer's key reaches them by the receipt even on a partner's ticket; with it they
    turn consent on and off, and each webhook carries the contact only while it is on."""
    partner_id, acme = await issue(system, Role.partner, partner_name="Acme")
    await _subscribe(system, uuid.UUID(partner_id), receiver.url, ["*"])
    created = await new_ticket(system, "olga@example.com", headers=acme)
    assert created["access_token"] is None  # never in the partner's answer
    [receipt] = await system.wait_for_mail(1)
    match = re.search(r"/requests/SC-\d+\?key=([\w-]+)", text_of(receipt))
    assert match, text_of(receipt)
    customer = bearer(match.group(1))
    staff = await agent(system)
    consent = f"/v1/tickets/{created['id']}/consent"

    async def step(action: Any, event_type: str, count: int) -> dict[str, Any]:
        await action()
        requests = await eventually(
            lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) >= count
        )
        matching = [
            json.loads(r.body) for r in requests if json.loads(r.body)["type"] == event_type
        ]
        return matching[-1]

    async def set_consent(on: bool) -> None:
        response = await system.intake.put(
            consent, json={"share_with_partners": on}, headers=customer
        )
        assert response.status_code == 200, response.text

    async def to(status: str) -> None:
        assert (await move(system, staff, created["id"], status)).status_code == 200

    first = await step(lambda: asyncio.sleep(0), "ticket.created", 1)
    given = await step(lambda: set_consent(True), "ticket.consent_changed", 2)
    opened = await step(lambda: to("open"), "ticket.status_changed", 3)
    withdrawn = await step(lambda: set_consent(False), "ticket.consent_changed", 4)
    in_progress = await step(lambda: to("in_progress"), "ticket.status_changed", 5)

    def contact(event: dict[str, Any]) -> tuple[str | None, str | None]:
        return event["data"]["customer"].get("email"), event["data"]["customer"].get("name")

    assert contact(first) == (None, None)
    assert contact(given) == contact(opened) == ("olga@example.com", "Иван Петров")
    assert contact(withdrawn) == contact(in_progress) == (None, None)
    assert given["data"]["share_with_partners"] is True
    assert withdrawn["data"]["share_with_partners"] is False
    assert all(match.group(1) not in r.body.decode() for r in receiver.requests)


def _one_of_each(ticket: TicketCreated) -> list[EventPayload]:
    """One event of every type a webhook may name, all about ``ticket``."""
    now, ids = datetime.now(UTC), [ticket.ticket_id]
    about = {"ticket_id": ticket.ticket_id, "number": ticket.number}
    escalation = {**about, "escalation_id": uuid.uuid4()}
    incident = {"incident_id": uuid.uuid4(), "title": "Сбой оплаты", "ticket_ids": ids}
    return [
        ticket,
        TicketStatusChanged(
            **about,
            from_status=TicketStatus.received,
            to_status=TicketStatus.open,
            actor=Actor.agent,
            changed_at=now,
            customer=ticket.customer,
        ),
        TicketMessageAdded(
            **about,
            message_id=uuid.uuid4(),
            author=Actor.agent,
            internal=False,
            first_response=True,
            body="Смотрим",
            added_at=now,
            customer=ticket.customer,
        ),
        TicketConsentChanged(
            **about, share_with_partners=True, changed_at=now, customer=ticket.customer
        ),
        TicketSatisfactionRated(**about, score=5, rated_at=now),
        SlaMet(
            **about,
            target=SlaTarget.first_response,
            met_at=now,
            business_minutes=5,
            within_target=True,
        ),
        SlaBreached(**about, target=SlaTarget.resolution, due_at=now, breached_at=now),
        SlaExtended(
            **about, business_days=1, reason="Ждём банк", resolution_due_at=now, extended_at=now
        ),
        EscalationOpened(
            **escalation, source=EscalationSource.customer_request, reason="Долго", opened_at=now
        ),
        EscalationClosed(
            **escalation,
            outcome="Ускорили",
            sources=[EscalationSource.customer_request],
            closed_by=uuid.uuid4(),
            opened_at=now,
            closed_at=now,
        ),
        IncidentDeclared(
            **incident, summary="Не проходит", declared_by=uuid.uuid4(), declared_at=now
        ),
        IncidentTicketsLinked(**incident, latest="Чиним", linked_at=now),
        IncidentUpdated(**incident, update_id=uuid.uuid4(), text="Почти", posted_at=now),
        DevelopmentFixReleased(
            release="2.4", notes=None, forward_ids=[uuid.uuid4()], ticket_ids=ids, released_at=now
        ),
    ]


async def test_every_type_a_webhook_may_name_is_sent_and_no_other_is_accepted(
    system: System, receiver: LoopbackReceiver
) -> None:
    """A subscription to each accepted type gets that type: none waits for an event the
    notifier never passes on (sla.breached and ticket.satisfaction_rated used to)."""
    partner = uuid.uuid4()
    ticket = _created(partner, consent=False)
    events = _one_of_each(ticket)
    assert sorted(e.event_type for e in events) == sorted(DELIVERED)
    await _subscribe(system, partner, receiver.url, list(DELIVERED))  # each by name, not *
    await _publish(system, ticket)  # first: the notifier learns whose ticket it is
    await eventually(lambda: asyncio.sleep(0, receiver.requests), lambda r: len(r) == 1)
    for event in events[1:]:
        await _publish(system, event)
    # Other services act on some of them too (a breach opens a review: one more event).
    await eventually(
        lambda: asyncio.sleep(0, {r.headers["x-sviftdesk-event"] for r in receiver.requests}),
        lambda sent: sent == set(DELIVERED),
    )

    scoped = _auth(system, Role.partner, partner, "webhooks")
    for never_sent in ("sla.warning", "ticket.complexity_set", "credential.revoked"):
        refused = await system.clients["notifier"].post(
            "/v1/webhooks", json={"url": receiver.url, "events": [never_sent]}, headers=scoped
        )
        assert refused.status_code == 422, never_sent
        assert "events" in refused.json()["detail"] and never_sent in refused.json()["detail"]
