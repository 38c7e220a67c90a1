"""The walking skeleton end to end: a ticket posted to intake reaches the notifier over the
bus, and the customer gets a receipt confirmation by email."""

from __future__ import annotations

from sqlalchemy import select

from services.intake.tables import outbox as intake_outbox
from services.notifier.tables import delivery
from tests.support import System, eventually, text_of, ticket_body


async def test_ticket_gets_a_receipt_in_russian_by_default(system: System) -> None:
    response = await system.intake.post("/v1/tickets", json=ticket_body())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["number"] == "SC-000001"
    assert created["status"] == "received"
    assert created["customer_is_new"] is None  # an address's history is staff's to know
    metrics = (await system.intake.get("/metrics")).text
    assert 'route="/v1/tickets",service="intake",status="201"} 1.0' in metrics

    [mail] = await system.wait_for_mail(1)
    assert mail["To"] == "ivan@example.com"
    assert "[SC-000001]" in mail["Subject"]
    assert "получено" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert str(mail["Message-ID"]).strip().startswith("<sviftdesk.")
    text = text_of(mail)
    assert "SC-000001" in text
    # Anyone can type this address into the form: none of the form's words are mailed to it.
    assert "Иван Петров" not in text and "Не проходит оплата" not in text
    assert "впервые" in text  # onboarding guidance for a first-time customer (clause 15)
    # The customer's key to the ticket comes in the receipt too, and it opens the ticket.
    assert f"/requests/{created['number']}?key={created['access_token']}" in text
    # Most mail programs show the HTML part: the key is a link there too.
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert f'/requests/{created["number"]}?key={created["access_token"]}">' in html


async def test_english_receipt_and_returning_customer(system: System) -> None:
    english = ticket_body("jane@example.com")
    english["customer"] = {"email": "jane@example.com", "name": "Jane", "language": "en"}
    first = await system.intake.post("/v1/tickets", json=english)
    second = await system.intake.post("/v1/tickets", json={**english, "subject": "Again"})
    assert first.json()["number"] == "SC-000001"
    assert second.json()["number"] == "SC-000002"

    mails = await system.wait_for_mail(2)
    by_number = {("SC-000001" in m["Subject"]): m for m in mails}
    assert "We have received your request" in by_number[True]["Subject"]
    assert "first request" in text_of(by_number[True])
    assert "first request" not in text_of(by_number[False])


async def test_an_internationalised_address_is_mailed_in_a_form_servers_take(
    system: System,
) -> None:
    """ivan@пример.рф was accepted and then mailed with an encoded-word To: that no server
    delivers; the domain travels in its IDNA form."""
    response = await system.intake.post("/v1/tickets", json=ticket_body("ivan@пример.рф"))
    assert response.status_code == 201, response.text
    [mail] = await system.wait_for_mail(1)
    assert str(mail["To"]) == "ivan@xn--e1afmkfd.xn--p1ai"


async def test_delivery_is_recorded_and_event_carries_the_request_id(system: System) -> None:
    response = await system.intake.post(
        "/v1/tickets", json=ticket_body(), headers={"X-Request-ID": "req-42abc"}
    )
    assert response.headers["x-request-id"] == "req-42abc"
    ticket_id = response.json()["id"]
    await system.wait_for_mail(1)

    notifier = system.runtime("notifier")

    async def sent() -> list[object]:
        async with notifier.db.sessions() as session:
            query = select(delivery.c.status, delivery.c.template, delivery.c.ticket_id)
            return list((await session.execute(query)).all())

    rows = await eventually(sent, lambda rows: bool(rows) and rows[0][0] == "sent")
    assert [(r[0], r[1], str(r[2])) for r in rows] == [("sent", "receipt", ticket_id)]

    async with system.runtime("intake").db.sessions() as session:
        envelope = (await session.execute(select(intake_outbox.c.envelope))).scalar_one()
    assert envelope["correlationid"] == "req-42abc"
    assert envelope["type"] == "ticket.created"
    assert envelope["specversion"] == "1.0"


async def test_ops_endpoints_on_every_service(system: System) -> None:
    for name, client in system.clients.items():
        assert (await client.get("/healthz")).json() == {"status": "ok"}, name
        ready = await client.get("/readyz")
        assert ready.status_code == 200, (name, ready.text)
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
        metrics = await client.get("/metrics")
        assert "sviftdesk_http_requests_total" in metrics.text
        assert (await client.get("/openapi.json")).status_code == 200
