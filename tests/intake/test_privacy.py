"""A customer's personal data on request (clauses 19, 24): exported whole, or erased from
intake while the figures the reports count stay."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from shared.auth import Role
from shared.settings import Settings
from tests.intake.helpers import agent, bearer, events, issue, move, new_ticket, read
from tests.support import System, eventually

EXPORT, ERASURE = "/v1/privacy/export", "/v1/privacy/erasure"
PHOTO = {"filename": "screen.png", "content_type": "image/png", "data": base64.b64encode(b"png")}


async def _ivans_history(system: System, staff: dict[str, str]) -> tuple[dict[str, Any], ...]:
    first = await new_ticket(system, attachments=[{**PHOTO, "data": PHOTO["data"].decode()}])
    second = await new_ticket(system, subject="Где мой чек?")
    other = await new_ticket(system, "olga@example.com", subject="Вопрос Ольги")
    customer = bearer(first["access_token"])
    reply = await system.intake.post(
        f"/v1/tickets/{first['id']}/messages",
        json={"body": "Иван, проверьте карту."},
        headers=staff,
    )
    assert reply.status_code == 201, reply.text
    note = await system.intake.post(
        f"/v1/tickets/{first['id']}/messages",
        json={"body": "Похоже на мошенничество", "internal": True},
        headers=staff,
    )
    assert note.status_code == 201, note.text
    answer = await system.intake.post(
        f"/v1/tickets/{first['id']}/messages", json={"body": "Карта в порядке."}, headers=customer
    )
    assert answer.status_code == 201, answer.text
    feedback = await system.intake.post(
        "/v1/feedback",
        json={"kind": "suggestion", "text": "Добавьте СБП", "email": "IVAN@example.com"},
    )
    assert feedback.status_code == 201, feedback.text
    return first, second, other


async def test_an_admin_exports_everything_kept_of_a_customer(system: System) -> None:
    admin, staff = await agent(system, Role.admin), await agent(system)
    first, second, _ = await _ivans_history(system, staff)

    response = await system.intake.post(EXPORT, json={"email": "Ivan@Example.com"}, headers=admin)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["customer"]["email"] == "ivan@example.com"
    assert data["customer"]["name"] == "Иван Петров"
    assert [t["number"] for t in data["tickets"]] == [first["number"], second["number"]]
    ticket = data["tickets"][0]
    assert ticket["subject"] == "Не проходит оплата"
    assert [(m["author"], m["body"]) for m in ticket["messages"]] == [
        ("agent", "Иван, проверьте карту."),
        ("customer", "Карта в порядке."),
    ]  # the internal note is staff's, not the customer's data
    assert ticket["attachments"] == [
        {"filename": "screen.png", "content_type": "image/png", "size": 3}
    ]
    assert data["feedback"] == [
        {
            "kind": "suggestion",
            "text": "Добавьте СБП",
            "created_at": data["feedback"][0]["created_at"],
        }
    ]
    assert "olga@example.com" not in response.text and "Вопрос Ольги" not in response.text


async def test_only_admins_may_ask_and_the_request_is_checked(system: System) -> None:
    admin = await agent(system, Role.admin)
    await new_ticket(system)
    for headers in (await agent(system), await agent(system, Role.senior)):
        for path in (EXPORT, ERASURE):
            refused = await system.intake.post(
                path, json={"email": "ivan@example.com"}, headers=headers
            )
            assert refused.status_code == 403, refused.text
    for path in (EXPORT, ERASURE):
        assert (
            await system.intake.post(path, json={"email": "ivan@example.com"})
        ).status_code == 401
        unknown = await system.intake.post(
            path, json={"email": "nobody@example.com"}, headers=admin
        )
        assert unknown.status_code == 404 and "No personal data" in unknown.json()["detail"]
        for body, field in [
            ({"email": "not an address"}, "email"),
            ({"email": "ivan@example.com", "name": "Иван"}, "name"),
            ({}, "email"),
        ]:
            bad = await system.intake.post(path, json=body, headers=admin)
            assert bad.status_code == 422, bad.text
            assert bad.json()["errors"][0]["field"] == field


async def test_erasure_waits_for_open_tickets_then_forgets_the_customer(system: System) -> None:
    admin, staff = await agent(system, Role.admin), await agent(system)
    first, second, other = await _ivans_history(system, staff)
    before = await system.intake.post(EXPORT, json={"email": "ivan@example.com"}, headers=admin)

    refused = await system.intake.post(ERASURE, json={"email": "ivan@example.com"}, headers=admin)
    assert refused.status_code == 409
    assert first["number"] in refused.json()["detail"]  # an agent is answering it
    # Nobody has taken the other up: filed by anyone through the form, it does not hold
    # erasure off (issue 14).
    assert second["number"] not in refused.json()["detail"]
    again = await system.intake.post(EXPORT, json={"email": "ivan@example.com"}, headers=admin)
    assert again.json()["tickets"] == before.json()["tickets"]  # nothing touched

    for ticket in (first, second):
        assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200
        assert (await move(system, staff, ticket["id"], "closed")).status_code == 200
    # Once every event about the tickets has gone out, the outbox's copies can go too.
    await eventually(lambda: system.unpublished("intake"), lambda n: n == 0)

    erased = await system.intake.post(ERASURE, json={"email": "ivan@example.com"}, headers=admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["tickets"] == [first["number"], second["number"]]
    assert erased.json()["feedback"] == 1

    gone = await system.intake.post(EXPORT, json={"email": "ivan@example.com"}, headers=admin)
    assert gone.status_code == 404
    seen = await read(system, first["id"], admin)
    text = json.dumps(seen, ensure_ascii=False)
    for personal in (
        "ivan@example.com",
        "Иван",
        "Не проходит оплата",
        "проверьте карту",
        "мошенничество",
        "Карта в порядке",
    ):
        assert personal not in text, personal
    # What the reports count stays.
    assert seen["number"] == first["number"] and seen["status"] == "closed"
    moves = [e["to_status"] for e in seen["timeline"] if e["kind"] == "status_changed"]
    assert moves[-2:] == ["resolved", "closed"]
    assert all(e["note"] is None for e in seen["timeline"])  # the resolution summary is gone
    # Another customer's ticket is untouched.
    assert (await read(system, other["id"], admin))["subject"] == "Вопрос Ольги"
    # Staff's search forgets the erased words too (its index follows the rows).
    for words, found in [("мошенничество", []), ("чек", []), ("оплата", [other["number"]])]:
        hits = await system.intake.get("/v1/tickets/search", params={"q": words}, headers=admin)
        assert [hit["number"] for hit in hits.json()["items"]] == found, words

    [event] = await events(system, "customer.erased")
    assert set(event["data"]["ticket_ids"]) == {first["id"], second["id"]}
    assert "ivan@example.com" not in json.dumps(await events(system), ensure_ascii=False)

    # Nothing is left to erase; the address is a stranger's now, and new if it writes again.
    assert (
        await system.intake.post(ERASURE, json={"email": "ivan@example.com"}, headers=admin)
    ).status_code == 404
    again = await new_ticket(system)
    assert (await read(system, again["id"], admin))["customer_is_new"] is True


async def test_erasure_forgets_the_names_of_files_a_customer_mailed(settings: Settings) -> None:
    # A refused file is named among the mail's defects, and a file's name is personal too.
    small = settings.model_copy(update={"max_attachment_bytes": 1_000})
    async with System.start(small, services=("intake",)) as system:
        _, partner = await issue(
            system, Role.partner, partner_name="MailCo", scopes=("mail:write",)
        )
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "ivan@example.com", "support@x.ru", "Скан"
        mail["Message-ID"] = make_msgid()
        mail.set_content("Прикладываю скан.")
        mail.add_attachment(b"%PDF" * 500, "application", "pdf", filename="паспорт-ивана.pdf")
        posted = await system.intake.post(
            "/v1/inbound/email",
            content=mail.as_bytes(),
            headers={**partner, "Content-Type": "message/rfc822"},
        )
        assert posted.json()["outcome"] == "ticket_created", posted.text
        ticket_id = posted.json()["ticket_id"]
        admin, staff = await agent(system, Role.admin), await agent(system)
        defects = (await read(system, ticket_id, staff))["mail"]["defects"]
        assert any("паспорт-ивана.pdf" in defect for defect in defects), defects
        for status in ("resolved", "closed"):
            assert (await move(system, staff, ticket_id, status)).status_code == 200
        await eventually(lambda: system.unpublished("intake"), lambda n: n == 0)

        erased = await system.intake.post(
            ERASURE, json={"email": "ivan@example.com"}, headers=admin
        )
        assert erased.status_code == 200, erased.text
        seen = await read(system, ticket_id, admin)
        assert "паспорт" not in json.dumps(seen, ensure_ascii=False), seen["mail"]
