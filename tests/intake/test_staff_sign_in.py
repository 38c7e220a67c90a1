"""Console sign-in links: intake mails one to an active staff member's address only, answers
every address alike, and no event, queue or delivery holds a working link."""

from __future__ import annotations

from sqlalchemy import select

from services.notifier.tables import delivery
from shared.auth import Role
from shared.signin import read_token
from tests.intake.helpers import events, issue
from tests.support import System, text_of


async def test_a_sign_in_link_goes_to_active_staff_only(system: System) -> None:
    agent_id, _ = await issue(system, Role.agent, email="anna@sviftcommunity.ru")
    await issue(system, Role.partner, partner_name="PayCo")
    answers = []
    for address in ("Anna@SviftCommunity.ru", "nobody@sviftcommunity.ru"):
        answer = await system.intake.post(
            "/v1/staff/sign-in-links", json={"email": address, "language": "en"}
        )
        assert answer.status_code == 202, answer.text
        answers.append(answer.json())
    assert answers[0] == answers[1]  # it tells no one who works here

    [requested] = await events(system, "staff.sign_in_requested")
    assert requested["data"]["credential_id"] == agent_id
    assert requested["data"]["email"] == "anna@sviftcommunity.ru"
    assert "/sign-in/" not in str(requested)  # the link's parts, unsigned

    [mail] = await system.wait_for_mail(1)
    assert mail["To"] == "anna@sviftcommunity.ru" and "Signing in" in str(mail["Subject"])
    token = (
        text_of(mail).split(f"{system.settings.public.console_public_url}/sign-in/")[1].split()[0]
    )
    grant = read_token(system.runtime("intake").signer, token)
    assert grant is not None and str(grant.credential_id) == agent_id
    async with system.runtime("notifier").db.sessions() as session:
        kept = (await session.execute(select(delivery.c.context))).scalars().all()
    assert token not in str(kept)

    refused = await system.intake.post("/v1/staff/sign-in-links", json={"email": "anna"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "email"

    # A revoked agent gets no link any more.
    _, admin = await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    revoked = await system.intake.post(f"/v1/credentials/{agent_id}/revoke", headers=admin)
    assert revoked.status_code == 200
    again = await system.intake.post(
        "/v1/staff/sign-in-links", json={"email": "anna@sviftcommunity.ru"}
    )
    assert again.status_code == 202
    assert len(await events(system, "staff.sign_in_requested")) == 1
