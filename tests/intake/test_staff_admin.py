"""Admins manage staff over intake's API (the console's admin pages): list, invite by a
mailed sign-in link, change a role (a new credential; the old one refused at once)."""

from __future__ import annotations

import uuid

from shared.auth import Role
from shared.signin import read_token
from tests.intake.helpers import events, issue
from tests.support import System, text_of


def _bearer(system: System, credential_id: str, role: Role) -> dict[str, str]:
    token = system.runtime("intake").signer.issue(uuid.UUID(credential_id), role)
    return {"Authorization": f"Bearer {token}"}


async def test_an_admin_invites_a_member_changes_their_role_and_lists_staff(
    system: System,
) -> None:
    admin_id, admin = await issue(system, Role.admin, email="admin@sviftcommunity.ru")
    _, agent = await issue(system, Role.agent, email="agent@sviftcommunity.ru")

    invited = await system.intake.post(
        "/v1/staff",
        json={"email": "Anna@SviftCommunity.ru", "name": " Анна Петрова ", "language": "en"},
        headers=admin,
    )
    assert invited.status_code == 201, invited.text
    anna = invited.json()
    assert anna["email"] == "anna@sviftcommunity.ru" and anna["name"] == "Анна Петрова"
    assert anna["role"] == "agent" and anna["status"] == "active"
    assert "token" not in anna  # she signs in by the mailed link, never with a shown token

    [mail] = await system.wait_for_mail(1)
    assert mail["To"] == "anna@sviftcommunity.ru"
    link = (
        text_of(mail).split(f"{system.settings.public.console_public_url}/sign-in/")[1].split()[0]
    )
    grant = read_token(system.runtime("intake").signer, link)
    assert grant is not None and str(grant.credential_id) == anna["id"]
    [registered] = [
        e for e in await events(system, "staff.registered") if e["subject"] == anna["id"]
    ]
    assert registered["data"]["email"] == "anna@sviftcommunity.ru"

    again = await system.intake.post(
        "/v1/staff", json={"email": "anna@sviftcommunity.ru", "name": "Anna"}, headers=admin
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "email"
    bad = await system.intake.post(
        "/v1/staff", json={"email": "anna", "name": "", "role": "partner"}, headers=admin
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"email", "name", "role"}
    assert (await system.intake.get("/v1/staff", headers=agent)).status_code == 403
    assert (await system.intake.post("/v1/staff", json={}, headers=agent)).status_code == 403

    # Her password outlives the role change.
    as_anna = _bearer(system, anna["id"], Role.agent)
    password = await system.intake.put(
        "/v1/staff/me/password", json={"password": "correct horse battery"}, headers=as_anna
    )
    assert password.status_code == 200, password.text

    changed = await system.intake.put(
        f"/v1/staff/{anna['id']}/role", json={"role": "senior"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    senior = changed.json()
    assert senior["id"] != anna["id"] and senior["role"] == "senior"
    assert senior["name"] == "Анна Петрова" and senior["has_password"]
    # The old role's tokens are refused at once; a link under the new one is mailed.
    assert (await system.intake.get("/v1/staff/me", headers=as_anna)).status_code == 401
    [revoked] = await events(system, "credential.revoked")
    assert revoked["data"]["credential_id"] == anna["id"]
    links = {text_of(m).split("/sign-in/")[1].split()[0] for m in await system.wait_for_mail(2)}
    [link] = links - {link}
    grant = read_token(system.runtime("intake").signer, link)
    assert grant is not None and str(grant.credential_id) == senior["id"]
    assert grant.role is Role.senior
    signed_in = await system.intake.post(
        "/v1/staff/sign-in/password",
        json={"email": "anna@sviftcommunity.ru", "password": "correct horse battery"},
    )
    assert signed_in.status_code == 200, signed_in.text

    same = await system.intake.put(
        f"/v1/staff/{senior['id']}/role", json={"role": "senior"}, headers=admin
    )
    assert same.status_code == 200 and same.json()["id"] == senior["id"]
    old = await system.intake.put(
        f"/v1/staff/{anna['id']}/role", json={"role": "admin"}, headers=admin
    )
    assert old.status_code == 409 and old.json()["errors"][0]["field"] == "role"
    own = await system.intake.put(
        f"/v1/staff/{admin_id}/role", json={"role": "agent"}, headers=admin
    )
    assert own.status_code == 409
    unknown = await system.intake.put(
        f"/v1/staff/{uuid.uuid4()}/role", json={"role": "agent"}, headers=admin
    )
    assert unknown.status_code == 404

    listed = await system.intake.get("/v1/staff", headers=admin)
    assert listed.status_code == 200
    rows = [(m["email"], m["role"], m["status"]) for m in listed.json()]
    # Active first, newest first; partner keys are no staff.
    assert rows == [
        ("anna@sviftcommunity.ru", "senior", "active"),
        ("agent@sviftcommunity.ru", "agent", "active"),
        ("admin@sviftcommunity.ru", "admin", "active"),
        ("anna@sviftcommunity.ru", "agent", "revoked"),
    ]
