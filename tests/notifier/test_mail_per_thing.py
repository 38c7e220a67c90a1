"""One well-formed mail per thing the customer needs to know (issue 15): stages that happen
together are told once, the HTML part reads in paragraphs, the beta programme is a footer link."""

from __future__ import annotations

import asyncio
import re
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from shared.auth import Role
from shared.settings import Settings
from tests.intake.helpers import agent, move, new_ticket
from tests.support import System, eventually, text_of

# Generous: the claim and the reply must reach the notifier within it, on a loaded machine too.
WINDOW = 3.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"mail_coalesce_seconds": WINDOW})


async def _log_when(system: System, ticket_id: str, template: str) -> list[dict[str, Any]]:
    """The ticket's delivery log once it holds ``template`` and nothing in it waits any more."""
    token = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.agent)

    async def log() -> list[dict[str, Any]]:
        response = await system.clients["notifier"].get(
            "/v1/deliveries",
            params={"ticket_id": ticket_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def settled(entries: list[dict[str, Any]]) -> bool:
        return any(e["template"] == template for e in entries) and all(
            e["status"] != "pending" for e in entries
        )

    return await eventually(log, settled, timeout=60)


def _html(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def test_claim_reply_and_resolve_make_three_mails(system: System) -> None:
    staff = await agent(system)
    created = await new_ticket(system, "olga@example.com")
    await system.wait_for_mail(1)
    assert (await system.intake.post("/v1/queue/claim", headers=staff)).status_code == 200
    reply = await system.intake.post(
        f"/v1/tickets/{created['id']}/messages",
        json={
            "body": "Здравствуйте, Иван!\n\nПопробуйте очистить кэш браузера.",
            "internal": False,
        },
        headers=staff,
    )
    assert reply.status_code == 201, reply.text
    assert (await move(system, staff, created["id"], "resolved")).status_code == 200

    entries = await _log_when(system, created["id"], "resolved")
    # What the customer receives: the receipt, the reply, the report; "taken up" and
    # "in progress" came with the reply, which says both.
    sent = [e["template"] for e in entries if e["status"] == "sent"]
    assert sorted(sent) == ["agent_reply", "receipt", "resolved"], entries
    assert sorted(e["template"] for e in entries if e["status"] == "superseded") == [
        "status_changed",
        "status_changed",
    ]
    mails = system.mail()
    assert len(mails) == 3, [str(m["Subject"]) for m in mails]
    [answer] = [m for m in mails if "кэш браузера" in text_of(m)]
    # The agent greeted the customer: the mail does not greet them a second time.
    assert text_of(answer).count("Здравствуйте") == 1, text_of(answer)
    assert _html(answer).count("Здравствуйте") == 1
    [report] = [m for m in mails if "решено" in str(m["Subject"])]
    html = _html(report)
    # The text part's wrapped lines make whole paragraphs in the HTML part, not broken ones;
    # a list (the timeline) keeps its lines.
    assert "Если решение вас не устроило" in html, html
    assert "— получено<br>" in html
    for mail in mails:
        # The beta programme is one small link at the foot, not an invitation in the letter.
        html, text = _html(mail), text_of(mail)
        assert html.count("beta/opt-in?token=") == 1
        assert re.search(r"<small><a href=\"[^\"]*/beta/opt-in\?token=[^\"]*\"[^>]*>Бета", html)
        letter, _, footer = text.partition("\n-- \n")
        assert "beta/opt-in" in footer and "beta" not in letter.lower(), text


async def test_a_claim_on_its_own_is_told(system: System) -> None:
    staff = await agent(system)
    created = await new_ticket(system, "olga@example.com")
    await system.wait_for_mail(1)
    await asyncio.sleep(WINDOW + 0.5)  # the claim comes well after the receipt
    assert (await system.intake.post("/v1/queue/claim", headers=staff)).status_code == 200
    entries = await _log_when(system, created["id"], "status_changed")
    assert [e["status"] for e in entries] == ["sent", "sent"], entries
    mails = await system.wait_for_mail(2)
    assert any("специалист взял его в работу" in str(m["Subject"]) for m in mails), mails
