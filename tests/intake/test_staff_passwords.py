"""Console passwords (issue 16): a staff member sets one as themselves, signs in with it, and
changes it only with the current one or a fresh sign-in link; every failed sign-in looks the
same, costs the same work, and spends the caller's and the address's budget."""

from __future__ import annotations

import uuid
from typing import Literal

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from services.intake.staff import passwords as staff_passwords
from services.intake.tables import credential
from shared import signin
from shared.auth import Role
from tests.intake.helpers import Limited, from_address, issue
from tests.support import System

AGENT = "anna@sviftcommunity.ru"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long walk on the beach"


async def sign_in(system: System, email: str, password: str) -> httpx.Response:
    return await system.intake.post(
        "/v1/staff/sign-in/password", json={"email": email, "password": password}
    )


async def set_password(
    system: System, headers: dict[str, str], password: str, **proof: str
) -> httpx.Response:
    return await system.intake.put(
        "/v1/staff/me/password", json={"password": password, **proof}, headers=headers
    )


async def stored_hash(system: System, credential_id: str) -> str | None:
    async with system.runtime("intake").db.sessions() as session:
        query = select(credential.c.password_hash).where(
            credential.c.id == uuid.UUID(credential_id)
        )
        return (await session.execute(query)).scalar_one()


def link_of(system: System, credential_id: str, role: Role = Role.agent) -> str:
    grant = signin.new_grant(uuid.UUID(credential_id), role, minutes=15)
    return signin.link_token(system.runtime("intake").signer, grant)


async def test_an_agent_sets_a_password_and_signs_in_with_it(system: System) -> None:
    agent_id, agent = await issue(system, Role.agent, email=AGENT)

    before = await system.intake.get("/v1/staff/me", headers=agent)
    assert before.status_code == 200, before.text
    assert before.json()["email"] == AGENT and before.json()["has_password"] is False

    short = await set_password(system, agent, "too short")
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "password"
    assert "15 characters" in short.json()["errors"][0]["reason"]

    # The first password needs nothing but the agent's own token.
    first = await set_password(system, agent, PASSWORD)
    assert first.status_code == 200, first.text
    assert first.json()["has_password"] is True and first.json()["password_changed_at"]
    assert PASSWORD not in first.text
    kept = await stored_hash(system, agent_id)
    assert kept is not None and kept.startswith("$argon2id$") and PASSWORD not in kept

    answer = await sign_in(system, AGENT.upper(), PASSWORD)
    assert answer.status_code == 200, answer.text
    grant = signin.read_token(system.runtime("intake").signer, answer.json()["sign_in_token"])
    assert grant is not None and str(grant.credential_id) == agent_id
    assert grant.role is Role.agent

    # Wrong password, unknown address, no password at all: one answer, naming the password.
    _, _colleague = await issue(system, Role.agent, email="oleg@sviftcommunity.ru")
    refusals = [
        await sign_in(system, AGENT, "correct horse battery stapler"),
        await sign_in(system, "nobody@sviftcommunity.ru", PASSWORD),
        await sign_in(system, "oleg@sviftcommunity.ru", PASSWORD),
    ]
    assert {r.status_code for r in refusals} == {401}
    assert len({r.text for r in refusals}) == 1
    assert refusals[0].json()["errors"] == [
        {"field": "password", "reason": "wrong address or password"}
    ]

    # Changing it takes the current password...
    bare = await set_password(system, agent, NEW_PASSWORD)
    assert bare.status_code == 403
    assert bare.json()["errors"][0]["field"] == "current_password"
    wrong = await set_password(system, agent, NEW_PASSWORD, current_password="not it at all")
    assert wrong.status_code == 403
    assert wrong.json()["errors"][0]["field"] == "current_password"
    assert (await stored_hash(system, agent_id)) == kept
    changed = await set_password(system, agent, NEW_PASSWORD, current_password=PASSWORD)
    assert changed.status_code == 200, changed.text
    assert (await sign_in(system, AGENT, PASSWORD)).status_code == 401
    assert (await sign_in(system, AGENT, NEW_PASSWORD)).status_code == 200

    # ...or a fresh sign-in link of this account (one who forgot it), not another's.
    colleague_id = str((await system.intake.get("/v1/staff/me", headers=_colleague)).json()["id"])
    others = await set_password(system, agent, PASSWORD, sign_in_link=link_of(system, colleague_id))
    assert others.status_code == 403
    assert others.json()["errors"][0]["field"] == "sign_in_link"
    mine = await set_password(system, agent, PASSWORD, sign_in_link=link_of(system, agent_id))
    assert mine.status_code == 200, mine.text
    assert (await sign_in(system, AGENT, PASSWORD)).status_code == 200

    # Partner keys have no account; a revoked agent's password signs in no more.
    _, partner = await issue(system, Role.partner, partner_name="PayCo")
    assert (await set_password(system, partner, PASSWORD)).status_code in (401, 403)
    _, admin = await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    revoked = await system.intake.post(f"/v1/credentials/{agent_id}/revoke", headers=admin)
    assert revoked.status_code == 200
    after = await sign_in(system, AGENT, PASSWORD)
    assert after.status_code == 401 and after.text == refusals[0].text


@pytest.mark.parametrize("backend", ["embedded"])
async def test_an_unknown_address_costs_a_password_check_too(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown addresses are not answered faster than known ones: a hash is checked either
    way, so timing tells no one who works here."""
    checked: list[str | bytes] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            checked.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(staff_passwords, "HASHER", Counting())
    answer = await sign_in(system, "nobody@sviftcommunity.ru", PASSWORD)
    assert answer.status_code == 401
    assert len(checked) == 1 and str(checked[0]).startswith("$argon2id$")


@pytest.mark.parametrize("backend", ["embedded"])
async def test_password_guesses_run_out_per_address_and_per_client(limited: Limited) -> None:
    async with limited(rate_limit_per_customer="3/minute", rate_limit_per_client="5/minute") as (
        system
    ):
        # Many clients, one address: the address's budget runs out.
        answers = []
        for n in range(4):
            async with from_address(system, f"198.51.100.{n + 1}") as client:
                answers.append(
                    await client.post(
                        "/v1/staff/sign-in/password",
                        json={"email": AGENT, "password": f"guess number {n}"},
                    )
                )
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert answers[3].headers["retry-after"]
        assert [e["field"] for e in answers[3].json()["errors"]] == ["email"]

        # One client, many addresses: the client's budget runs out.
        async with from_address(system, "203.0.113.9") as script:
            spread = [
                await script.post(
                    "/v1/staff/sign-in/password",
                    json={"email": f"who{n}@sviftcommunity.ru", "password": "guess"},
                )
                for n in range(6)
            ]
        assert [a.status_code for a in spread] == [401] * 5 + [429]
        assert [e["field"] for e in spread[5].json()["errors"]] == ["client"]
