"""POST /v1/tickets: what the website and partners rely on, and what bad input gets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.intake.tables import idempotency_key
from tests.support import System, ticket_body


async def _nothing_stored(system: System) -> None:
    for table in ("ticket", "customer", "outbox", "idempotency_key"):
        assert await system.count_rows("intake", table) == 0, table


@pytest.mark.parametrize(
    ("body", "field", "reason_part"),
    [
        (ticket_body(channel="phone"), "channel", "support@sviftcommunity.ru"),
        (ticket_body(channel="social"), "channel", "web form"),
        (ticket_body(channel="fax"), "channel", "web"),
        (ticket_body(priority="high"), "priority", "unknown field"),
        (ticket_body(subject=""), "subject", "at least 1"),
        (ticket_body(subject="x" * 201), "subject", "at most 200"),
        (ticket_body(category="urgent"), "category", "question"),
        (
            {**ticket_body(), "customer": {"email": "not-an-email", "name": "A"}},
            "customer.email",
            "email",
        ),
        (
            {
                **ticket_body(),
                "customer": {"email": "a@example.com", "name": "A", "language": "de"},
            },
            "customer.language",
            "'ru' or 'en'",
        ),
        (
            {**ticket_body(), "customer": {"email": "a@example.com", "name": "A", "vip": True}},
            "customer.vip",
            "unknown field",
        ),
        ({"channel": "web"}, "customer", "Field required"),
        (ticket_body(subject="Оплата\u0000"), "subject", "NUL"),
        (
            {**ticket_body(), "customer": {"email": "a@example.com", "name": "Иван\u0000"}},
            "customer.name",
            "NUL",
        ),
    ],
)
async def test_invalid_ticket_is_refused_naming_the_field(
    system: System, body: dict[str, Any], field: str, reason_part: str
) -> None:
    response = await system.intake.post("/v1/tickets", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problems = {p["field"]: p["reason"] for p in response.json()["errors"]}
    assert field in problems, problems
    assert reason_part in problems[field]
    assert field in response.json()["detail"]
    await _nothing_stored(system)


async def test_a_refusal_names_its_code_and_bound_for_clients_that_word_it(
    system: System,
) -> None:
    body = {**ticket_body(), "subject": "x" * 201, "body": "   "}
    body["customer"] = {**body["customer"], "email": "not-an-address"}
    response = await system.intake.post("/v1/tickets", json=body)
    assert response.status_code == 422, response.text
    problems = {p["field"]: p for p in response.json()["errors"]}
    assert problems["subject"]["code"] == "string_too_long"
    assert problems["subject"]["limit"] == 200
    assert problems["body"]["code"] == "string_too_short" and problems["body"]["limit"] == 1
    assert problems["customer.email"]["code"] == "value_error"
    assert "limit" not in problems["customer.email"]
    await _nothing_stored(system)


async def test_a_nul_character_is_refused_by_every_service_naming_the_field(
    system: System,
) -> None:
    """PostgreSQL text cannot hold U+0000: it was a plain 500 (the anonymous feedback form too)
    with the customer's address in the log line. Now a 422 that names the field."""
    cases = [
        (
            system.intake.post(
                "/v1/feedback",
                json={"kind": "feedback", "text": "Спасибо\u0000", "email": "a@example.com"},
            ),
            "text",
        ),
        (system.intake.get("/v1/articles/search", params={"q": "оплата\x00"}), "q"),
        (
            system.clients["sla"].post(
                "/v1/calendar/add", json={"start": "2025-11-17T10:00:00+03:00\u0000", "minutes": 1}
            ),
            "start",
        ),
    ]
    for call, field in cases:
        response = await call
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [
            {"field": field, "reason": "contains a NUL character (U+0000), which text may not hold"}
        ]
    assert await system.count_rows("intake", "feedback") == 0


async def test_malformed_json_is_a_400(system: System) -> None:
    response = await system.intake.post(
        "/v1/tickets", content=b'{"channel": "web",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    await _nothing_stored(system)


async def test_body_over_the_limit_is_a_413(system: System) -> None:
    huge = ticket_body(body="я" * system.settings.limits.max_request_bytes)
    response = await system.intake.post("/v1/tickets", json=huge)
    assert response.status_code == 413
    assert str(system.settings.limits.max_request_bytes) in response.json()["detail"]

    # Also when the client does not say how big the body is (chunked upload).
    async def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 8192

    response = await system.intake.post(
        "/v1/tickets", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    await _nothing_stored(system)


async def test_ticket_readable_with_its_token_and_by_nobody_else(system: System) -> None:
    mine = (await system.intake.post("/v1/tickets", json=ticket_body())).json()
    other = (await system.intake.post("/v1/tickets", json=ticket_body("o@example.com"))).json()

    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    response = await system.intake.get(
        f"/v1/tickets/{mine['id']}", headers=auth(mine["access_token"])
    )
    assert response.status_code == 200
    ticket = response.json()
    assert ticket["number"] == mine["number"]
    assert ticket["customer"]["email"] == "ivan@example.com"
    assert ticket["received_at"].endswith("Z") or "+" in ticket["received_at"]
    # The number people read works wherever the id does.
    by_number = await system.intake.get(
        f"/v1/tickets/{mine['number'].lower()}", headers=auth(mine["access_token"])
    )
    assert by_number.status_code == 200 and by_number.json()["id"] == mine["id"]

    for path, headers in [
        (f"/v1/tickets/{mine['id']}", auth(other["access_token"])),  # someone else's token
        (f"/v1/tickets/{mine['id']}", auth("guess")),
        (f"/v1/tickets/{mine['id']}", {}),
        ("/v1/tickets/not-a-uuid", auth(mine["access_token"])),
        ("/v1/tickets/00000000-0000-0000-0000-000000000000", auth(mine["access_token"])),
        (f"/v1/tickets/{other['number']}", auth(mine["access_token"])),  # by its number
        ("/v1/tickets/SC-999999", auth(mine["access_token"])),
        ("/v1/tickets/SC-99999999999999999999999", auth(mine["access_token"])),
    ]:
        response = await system.intake.get(path, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert "access_token" not in response.text


async def test_idempotency_key_returns_the_same_ticket(system: System) -> None:
    headers = {"Idempotency-Key": "order-7781"}
    first = await system.intake.post("/v1/tickets", json=ticket_body(), headers=headers)
    again = await system.intake.post("/v1/tickets", json=ticket_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    # The same ticket; its key only once, and intake keeps no copy of it (only its hash).
    token = first.json()["access_token"]
    assert token and again.json() == {**first.json(), "access_token": None}
    async with system.runtime("intake").db.sessions() as session:
        kept = (await session.execute(select(idempotency_key.c.response))).scalars().all()
    assert kept and token not in str(kept)
    assert await system.count_rows("intake", "ticket") == 1
    assert await system.count_rows("intake", "outbox") == 1

    changed = await system.intake.post(
        "/v1/tickets", json=ticket_body(subject="Другое"), headers=headers
    )
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await system.count_rows("intake", "ticket") == 1


async def test_concurrent_retries_with_one_key_make_one_ticket(system: System) -> None:
    import asyncio

    headers = {"Idempotency-Key": "same-key"}
    responses = await asyncio.gather(
        *(system.intake.post("/v1/tickets", json=ticket_body(), headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await system.count_rows("intake", "ticket") == 1
