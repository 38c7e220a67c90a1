"""A forged From: cannot speak for a customer (issue 14).

Anyone can write ``From: ivan@example.com`` and copy ``[SC-000001]`` into a subject. Such a mail
is kept on the ticket, marked unverified for staff, and moves nothing until an agent accepts it;
a reply quoting our signed Message-ID, sent to our per-ticket reply address, or vouched for by
our own MTA's DMARC pass is the customer's. Mail goes in over SMTP and the raw-MIME endpoint,
as from outside.
"""

from __future__ import annotations

import asyncio
import secrets
import smtplib
import time
import uuid
from collections.abc import AsyncIterator
from email.mime.text import MIMEText
from email.utils import parseaddr
from typing import Any

import pytest

from services.intake.domain.replies import dmarc_pass
from shared.auth import Role, TokenSigner
from shared.contracts.mail import (
    message_id,
    reply_address,
    ticket_number_in_addresses,
    ticket_number_in_message_ids,
)
from shared.settings import Settings, load_settings
from tests.intake.helpers import (
    agent,
    bearer,
    events,
    issue,
    listening_system,
    move,
    new_ticket,
    read,
)
from tests.support import System

SUPPORT = "support@sviftcommunity.ru"
OUR_MTA = "mx.sviftcommunity.ru"


@pytest.fixture
async def desk(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    async with listening_system(settings, request, mail_authserv_ids=(OUR_MTA,)) as system:
        yield system


def reply(body: str, subject: str, *, to: str = SUPPORT, **headers: str) -> bytes:
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = "Иван <ivan@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message.as_bytes().replace(b"\n", b"\r\n")


async def by_smtp(system: System, raw: bytes, rcpt: str = SUPPORT) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA, as a sending server would; smtplib blocks, so off the loop."""

    def send() -> tuple[int, bytes]:
        with smtplib.SMTP(
            "127.0.0.1", system.settings.mail_intake.smtp_listen_port, timeout=30
        ) as client:
            client.ehlo("mx.example.com")
            client.mail("ivan@example.com")
            code, answer = client.rcpt(rcpt)
            if code != 250:
                return code, answer
            return client.data(raw)

    return await asyncio.to_thread(send)


async def by_http(system: System, raw: bytes) -> dict[str, Any]:
    _, partner = await issue(system, Role.partner, partner_name="Mailgun", scopes=("mail:write",))
    response = await system.intake.post(
        "/v1/inbound/email", content=raw, headers={**partner, "Content-Type": "message/rfc822"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def waiting(system: System, staff: dict[str, str], ticket_id: str) -> None:
    response = await move(system, staff, ticket_id, "waiting_customer", note="Какая карта?")
    assert response.status_code == 200, response.text


async def test_a_forged_tag_only_reply_waits_for_an_agent(desk: System) -> None:
    created = await new_ticket(desk)
    ticket_id, number = created["id"], created["number"]
    customer, staff = bearer(created["access_token"]), await agent(desk)
    await waiting(desk, staff, ticket_id)
    forged = reply("Отмените всё, верните деньги на карту 4000…", f"Re: [{number}] Оплата")
    code, _ = await by_smtp(desk, forged)
    assert code == 250
    over_http = await by_http(desk, reply("И ещё вот что.", f"Re: [{number}] Оплата"))
    assert over_http["outcome"] == "unverified" and over_http["number"] == number
    assert "subject" in over_http["reason"]

    seen_by_staff = await read(desk, ticket_id, staff)
    assert seen_by_staff["status"] == "waiting_customer"  # not resumed
    held = seen_by_staff["messages"]
    assert [(m["body"], m["unverified"], m["author"]) for m in held] == [
        ("Отмените всё, верните деньги на карту 4000…", True, "customer"),
        ("И ещё вот что.", True, "customer"),
    ]
    kinds = [entry["kind"] for entry in seen_by_staff["timeline"]]
    assert kinds.count("unverified_message") == 2
    # Not the customer's words: they do not see them as theirs, and nobody was told of them.
    assert (await read(desk, ticket_id, customer))["messages"] == []
    assert await events(desk, "ticket.message_added") == []

    accept = f"/v1/tickets/{ticket_id}/messages/{held[0]['id']}/accept"
    assert (await desk.intake.post(accept)).status_code == 401
    assert (await desk.intake.post(accept, headers=customer)).status_code == 401
    accepted = await desk.intake.post(accept, headers=staff)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["unverified"] is False
    again = await desk.intake.post(accept, headers=staff)
    assert again.status_code == 409 and "already" in again.json()["detail"]
    unknown = f"/v1/tickets/{ticket_id}/messages/{uuid.uuid4()}/accept"
    assert (await desk.intake.post(unknown, headers=staff)).status_code == 404

    # Accepted, it is the customer's reply and does what one does: the work resumes.
    after = await read(desk, ticket_id, customer)
    assert after["status"] == "in_progress"
    assert [m["body"] for m in after["messages"]] == [held[0]["body"]]
    (added,) = await events(desk, "ticket.message_added")
    assert added["data"]["author"] == "customer"
    assert added["data"]["message_id"] == held[0]["id"]
    assert (await read(desk, ticket_id, staff))["messages"][1]["unverified"] is True
    # A closed ticket is final: what was held there stays held.
    for status in ("resolved", "closed"):
        assert (await move(desk, staff, ticket_id, status)).status_code == 200
    late = f"/v1/tickets/{ticket_id}/messages/{held[1]['id']}/accept"
    refused = await desk.intake.post(late, headers=staff)
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]
    assert (await read(desk, ticket_id, staff))["messages"][1]["unverified"] is True


async def test_our_message_id_and_reply_address_speak_for_the_customer(desk: System) -> None:
    created = await new_ticket(desk)
    ticket_id, number = created["id"], created["number"]
    staff = await agent(desk)
    (receipt,) = await desk.wait_for_mail(1)
    ours, reply_to = str(receipt["Message-ID"]).strip(), str(receipt["Reply-To"])
    assert number not in ours  # random and signed, not derived from the ticket number
    assert parseaddr(reply_to)[1].startswith("support+")

    await waiting(desk, staff, ticket_id)
    code, _ = await by_smtp(desk, reply("Visa.", "Re: Оплата", In_Reply_To=ours, References=ours))
    assert code == 250
    assert (await read(desk, ticket_id, staff))["status"] == "in_progress"

    await waiting(desk, staff, ticket_id)
    answer = await by_http(desk, reply("Mastercard.", "Re: Оплата", to=reply_to))
    assert answer["outcome"] == "message_added" and answer["number"] == number
    assert (await read(desk, ticket_id, staff))["status"] == "in_progress"

    await waiting(desk, staff, ticket_id)
    # The envelope alone names the reply address (the client put the plain one in To:).
    code, _ = await by_smtp(desk, reply("Мир.", "Re: Оплата"), rcpt=reply_to.upper())
    assert code == 250
    ticket = await read(desk, ticket_id, staff)
    assert ticket["status"] == "in_progress"
    assert [(m["body"], m["unverified"]) for m in ticket["messages"][-3:]] == [
        ("Visa.", False),
        ("Mastercard.", False),
        ("Мир.", False),
    ]
    # A plus address of a mailbox we do not serve is still refused.
    code, _ = await by_smtp(desk, reply("x", "x"), rcpt="sales+x@sviftcommunity.ru")
    assert code == 550


async def test_guessed_references_do_not(desk: System) -> None:
    created = await new_ticket(desk)
    ticket_id, number = created["id"], created["number"]
    staff = await agent(desk)
    (receipt,) = await desk.wait_for_mail(1)
    await waiting(desk, staff, ticket_id)
    ours = str(receipt["Message-ID"]).strip()
    local, domain = parseaddr(str(receipt["Reply-To"]))[1].split("@")
    tampered = ours[:-25] + ("A" if ours[-25] != "A" else "B") + ours[-24:]
    old_shape = f"<sviftdesk.{uuid.uuid4()}.{number}@sviftcommunity.ru>"
    guessed_token = f"support+{number.lower()}.{'0' * 32}@{domain}"
    other_ticket = reply_address(SUPPORT, "SC-999999", TokenSigner(secrets.token_hex(32).encode()))
    for forged in (tampered, old_shape):
        answer = await by_http(desk, reply("Верните деньги.", "Re: Оплата", In_Reply_To=forged))
        assert answer["outcome"] == "ticket_created", forged  # a stranger's new request
        answer = await by_http(desk, reply("Верните.", f"[{number}]", References=forged))
        assert answer["outcome"] == "unverified", forged
    for address in (guessed_token, other_ticket, f"{local}x@{domain}"):
        code, _ = await by_smtp(desk, reply("Верните!", f"Re: [{number}]"), rcpt=address)
        assert code == 250, address
    ticket = await read(desk, ticket_id, staff)
    assert ticket["status"] == "waiting_customer"
    assert [m["unverified"] for m in ticket["messages"]] == [True] * 5


async def test_a_dmarc_pass_from_our_own_mta_speaks_for_the_customer(desk: System) -> None:
    created = await new_ticket(desk)
    ticket_id, number = created["id"], created["number"]
    staff = await agent(desk)
    subject = f"Re: [{number}] Оплата"
    passed = (
        f"{OUR_MTA}; spf=pass smtp.mailfrom=example.com;"
        " dmarc=pass (p=reject) header.from=example.com"
    )
    for results in (
        "mx.elsewhere.example; dmarc=pass header.from=example.com",
        f"{OUR_MTA}; dmarc=fail header.from=example.com",
        f"{OUR_MTA}; dmarc=pass header.from=attacker.example",
    ):
        answer = await by_http(desk, reply("Нет.", subject, Authentication_Results=results))
        assert answer["outcome"] == "unverified", results
    # Our MTA adds its verdict on top; a sender's forged pass below it counts for nothing.
    forged_below = reply("Нет!!", subject, Authentication_Results=passed).replace(
        b"From:", f"Authentication-Results: {OUR_MTA}; dmarc=fail\r\nFrom:".encode(), 1
    )
    assert (await by_http(desk, forged_below))["outcome"] == "unverified"
    await waiting(desk, staff, ticket_id)
    code, _ = await by_smtp(desk, reply("Да.", subject, Authentication_Results=passed))
    assert code == 250
    ticket = await read(desk, ticket_id, staff)
    assert ticket["status"] == "in_progress"
    assert (ticket["messages"][-1]["body"], ticket["messages"][-1]["unverified"]) == ("Да.", False)


def test_signed_references_are_ours_alone() -> None:
    ours, theirs = (
        TokenSigner(secrets.token_hex(32).encode()),
        TokenSigner(secrets.token_hex(32).encode()),
    )
    mid = message_id(str(uuid.uuid4()), "SC-000042", "sviftcommunity.ru", ours)
    assert ticket_number_in_message_ids(["<x@example.com>", mid], ours) == "SC-000042"
    assert ticket_number_in_message_ids([mid], theirs) is None
    address = reply_address(SUPPORT, "SC-000042", ours)
    assert len(address.split("@")[0]) <= 64
    found = ticket_number_in_addresses([address.upper()], [SUPPORT], ours)
    assert found == "SC-000042"  # mail systems may change an address's case
    assert ticket_number_in_addresses([address], ["help@sviftcommunity.ru"], ours) is None
    assert ticket_number_in_addresses([address], [SUPPORT], theirs) is None


def test_a_hostile_authentication_results_header_is_read_in_linear_time() -> None:
    # Runs of one character class, and of unclosed comments: what backtracking patterns choke on.
    for filler in ("a" * 1_000_000, "(" * 1_000_000, "=" * 1_000_000):
        started = time.process_time()
        assert not dmarc_pass([f"{OUR_MTA}; dmarc=pass {filler}"], [OUR_MTA], "example.com")
        assert time.process_time() - started < 2.0  # linear: a few hundredths of a second


def test_trusted_mtas_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().mail_intake.mail_authserv_ids == ()
    monkeypatch.setenv("SVIFTDESK_MAIL_AUTHSERV_IDS", "mx.sviftcommunity.ru, mx2.sviftcommunity.ru")
    assert load_settings().mail_intake.mail_authserv_ids == (
        "mx.sviftcommunity.ru",
        "mx2.sviftcommunity.ru",
    )
