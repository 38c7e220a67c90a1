"""Everyone on the staff who must act is told (issue 15): by mail as each chose, and by a
``staff.notified`` event for the agent console; never with a customer's words or key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from services.intake.credentials import use_cases as credentials
from services.notifier.tables import outbox as notifier_outbox
from services.notifier.tables import ticket_contact
from shared.auth import Role
from tests.intake.helpers import bearer, issue, new_ticket
from tests.support import System, eventually, text_of

ANNA, BORIS, SENIOR = "anna@sviftcommunity.ru", "boris@sviftcommunity.ru", "sofia@sviftcommunity.ru"
NOTICES = "/v1/staff/me/notifications"


async def staff(system: System, email: str, role: Role = Role.agent) -> tuple[str, dict[str, str]]:
    """A staff token as `sviftdesk agents create` issues it, once the notifier knows it."""
    staff_id, headers = await issue(system, role, email=email)

    async def known() -> int:
        return (await system.clients["notifier"].get(NOTICES, headers=headers)).status_code

    await eventually(known, lambda status: status == 200)
    return staff_id, headers


def mail_to(system: System, address: str) -> list[EmailMessage]:
    return [m for m in system.mail() if str(m["To"]) == address]


async def wait_mail_to(system: System, address: str, count: int) -> list[EmailMessage]:
    async def probe() -> list[EmailMessage]:
        return mail_to(system, address)

    return await eventually(probe, lambda found: len(found) >= count, timeout=20)


async def notices(system: System) -> list[dict[str, Any]]:
    """What the console is sent: the notifier's staff.notified events."""
    async with system.runtime("notifier").db.sessions() as session:
        query = select(notifier_outbox.c.envelope).where(
            notifier_outbox.c.event_type == "staff.notified"
        )
        rows = await session.execute(query.order_by(notifier_outbox.c.id))
        return [envelope["data"] for envelope in rows.scalars()]


async def held_by(system: System, ticket_id: str, staff_id: str | None) -> None:
    """Wait until the notifier has heard who holds the ticket (ticket.assigned)."""

    async def assignee() -> str | None:
        async with system.runtime("notifier").db.sessions() as session:
            query = select(ticket_contact.c.assignee_id).where(
                ticket_contact.c.ticket_id == uuid.UUID(ticket_id)
            )
            found = (await session.execute(query)).scalar_one_or_none()
        return str(found) if found else None

    await eventually(assignee, lambda found: found == staff_id)


async def test_the_holder_hears_of_the_reply_and_the_warning_and_agents_of_a_waiting_request(
    open_system: System,
) -> None:
    system = open_system
    anna_id, anna = await staff(system, ANNA)
    await staff(system, BORIS)
    await staff(system, "admin@sviftcommunity.ru", Role.admin)
    held = await new_ticket(system)
    waiting = await new_ticket(system, "olga@example.com")
    await system.wait_for_mail(2)  # the receipts
    claimed = await system.intake.post("/v1/queue/claim", headers=anna)
    assert claimed.json()["id"] == held["id"]
    await held_by(system, held["id"], anna_id)

    # The customer answers quoting our receipt, link and key included.
    key = held["access_token"]
    quoted = f"Спасибо, вот скриншот.\n> Ваше обращение: https://sviftcommunity.ru/t?token={key}"
    reply = await system.intake.post(
        f"/v1/tickets/{held['id']}/messages", json={"body": quoted}, headers=bearer(key)
    )
    assert reply.status_code == 201, reply.text
    [told] = await wait_mail_to(system, ANNA, 1)
    assert held["number"] in str(told["Subject"])
    assert "ответил" in str(told["Subject"])
    text = text_of(told)
    assert key not in told.as_string() and "скриншот" not in text
    # Not threaded into the ticket: an answer to it would not be the customer's.
    assert told["Reply-To"] is None and f"[{held['number']}]" not in str(told["Subject"])

    # 19 hours on: the first response (due in 24) is past its warning share, on Anna's ticket.
    await system.apps["sla"].state.scanner.tick(datetime.now(UTC) + timedelta(hours=19))
    mails = await wait_mail_to(system, ANNA, 2)
    warning = next(m for m in mails if "срок" in str(m["Subject"]))
    assert held["number"] in str(warning["Subject"]) and "первого ответа" in text_of(warning)

    # An hour on, nobody has taken the other request: every agent at work hears, the admin not.
    alerts = system.apps["notifier"].state.waiting_alerts
    assert await alerts.tick(datetime.now(UTC) + timedelta(minutes=61)) == 1
    assert await alerts.tick(datetime.now(UTC) + timedelta(minutes=120)) == 0  # told once
    [boris_told] = await wait_mail_to(system, BORIS, 1)
    mails = await wait_mail_to(system, ANNA, 3)
    [anna_told] = [m for m in mails if waiting["number"] in str(m["Subject"])]
    for told in (boris_told, anna_told):
        assert "ждёт специалиста" in str(told["Subject"])
    assert mail_to(system, "admin@sviftcommunity.ru") == []

    # The console hears of all of it; the warning on the request nobody holds went to every
    # agent's console only (their default), not to their mail.
    found = await eventually(lambda: notices(system), lambda n: len(n) >= 6)
    assert sorted((n["email"], n["kind"], n["number"], n["by_mail"]) for n in found) == [
        (ANNA, "customer_replied", held["number"], True),
        (ANNA, "queue_sla_warning", waiting["number"], False),
        (ANNA, "request_waiting", waiting["number"], True),
        (ANNA, "sla_warning", held["number"], True),
        (BORIS, "queue_sla_warning", waiting["number"], False),
        (BORIS, "request_waiting", waiting["number"], True),
    ]
    sla = next(n for n in found if n["kind"] == "sla_warning")
    assert sla["staff_id"] == anna_id and sla["target"] == "first_response"


async def test_each_chooses_mail_or_console_and_seniors_hear_of_escalations(
    system: System,
) -> None:
    _, anna = await staff(system, ANNA)
    boris_id, boris = await staff(system, BORIS)
    _, senior = await staff(system, SENIOR, Role.senior)
    client = system.clients["notifier"]
    # A senior whose token was revoked is no longer at work.
    gone_id, gone = await staff(system, "gone@sviftcommunity.ru", Role.senior)
    async with system.runtime("intake").unit_of_work() as uow:
        await credentials.revoke(uow, uuid.UUID(gone_id))

    async def refused() -> int:
        return (await client.get(NOTICES, headers=gone)).status_code

    await eventually(refused, lambda status: status == 401)

    mine = await client.get(NOTICES, headers=boris)
    assert mine.json() == {
        "email": BORIS,
        "language": "ru",
        "kinds": {
            "request_waiting": "mail",
            "customer_replied": "mail",
            "sla_warning": "mail",
            "queue_sla_warning": "console",
            "escalation_arrived": "mail",
            "ticket_handed_over": "mail",
        },
    }
    for bad, field in (
        ({"kinds": {"lunch_break": "mail"}}, "lunch_break"),
        ({"kinds": {"customer_replied": "sms"}}, "customer_replied"),
        ({"language": "de"}, "language"),
        ({"sound": True}, "sound"),
    ):
        refused = await client.patch(NOTICES, json=bad, headers=boris)
        assert refused.status_code == 422 and field in refused.text, refused.text
    assert (await client.patch(NOTICES, json={})).status_code == 401
    chosen = await client.patch(
        NOTICES, json={"kinds": {"ticket_handed_over": "console"}}, headers=boris
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["kinds"]["ticket_handed_over"] == "console"
    assert chosen.json()["kinds"]["customer_replied"] == "mail"  # the others as they were
    english = await client.patch(NOTICES, json={"language": "en"}, headers=senior)
    assert english.json()["language"] == "en"
    # Choices belong to the person: tomorrow's token finds them.
    tomorrow_id, boris_tomorrow = await staff(system, BORIS)
    again = await client.get(NOTICES, headers=boris_tomorrow)
    assert again.json()["kinds"]["ticket_handed_over"] == "console"

    ticket = await new_ticket(system)
    assert (await system.intake.post("/v1/queue/claim", headers=anna)).status_code == 200
    handed = await system.intake.put(
        f"/v1/tickets/{ticket['id']}/assignee", json={"agent_id": boris_id}, headers=anna
    )
    assert handed.status_code == 200, handed.text
    asked = await system.intake.post(
        f"/v1/tickets/{ticket['id']}/escalation",
        json={"reason": "Третий раз пишу"},
        headers=bearer(ticket["access_token"]),
    )
    assert asked.status_code == 201, asked.text

    [review] = await wait_mail_to(system, SENIOR, 1)
    assert ticket["number"] in str(review["Subject"]) and "senior review" in str(review["Subject"])
    assert "Третий раз" not in text_of(review)
    found = await eventually(lambda: notices(system), lambda n: len(n) >= 2)
    assert sorted((n["email"], n["kind"], n["by_mail"]) for n in found) == [
        (BORIS, "ticket_handed_over", False),
        (SENIOR, "escalation_arrived", True),
    ]
    # Boris chose the console for hand-overs; Anna handed it over and is told nothing.
    assert mail_to(system, BORIS) == [] and mail_to(system, ANNA) == []
    assert mail_to(system, "gone@sviftcommunity.ru") == []
    # The console finds the person by their latest token, whichever one the ticket went to.
    assert [n["staff_id"] for n in found if n["email"] == BORIS] == [tomorrow_id]
