"""`sviftdesk agents create` and `sviftdesk partners create`: the token is printed once and
works at once; intake keeps only its hash; a revoked one stops working."""

from __future__ import annotations

import asyncio
import re

from click.testing import CliRunner, Result
from sqlalchemy import select

from services.cli import main
from services.intake.tables import credential
from shared.auth import token_hash
from shared.signin import read_token
from tests.intake.helpers import bearer
from tests.support import System, ticket_body


async def _cli(system: System, *args: str) -> Result:
    settings = system.settings
    env = {"SVIFTDESK_VAR_DIR": str(settings.var_dir), "SVIFTDESK_LOG_JSON": "false"}
    if settings.database_url:
        env["SVIFTDESK_DATABASE_URL"] = settings.database_url
    if settings.secret_key:
        env["SVIFTDESK_SECRET_KEY"] = settings.secret_key.get_secret_value()
    # The command runs its own event loop, as it does from a shell.
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_tokens_from_the_command_line(system: System) -> None:
    made = await _cli(
        system, "agents", "create", "--email", "Anna@SviftCommunity.ru", "--name", "Анна Петрова"
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("sd2.") and "\n" not in token
    assert "shown only now" in made.stderr
    queue = await system.intake.get("/v1/queue", headers=bearer(token))
    assert queue.status_code == 200

    key = await _cli(system, "partners", "create", "--name", "PayCo", "--scope", "tickets:write")
    assert key.exit_code == 0, key.output
    partner = bearer(key.stdout.strip())
    filed = await system.intake.post("/v1/tickets", json=ticket_body(), headers=partner)
    assert filed.status_code == 201
    assert (await system.intake.get("/v1/queue", headers=partner)).status_code == 403

    async with system.runtime("intake").db.sessions() as session:
        rows = (await session.execute(select(credential))).all()
    by_role = {row.role: row for row in rows}
    assert by_role["agent"].email == "anna@sviftcommunity.ru"
    assert by_role["agent"].name == "Анна Петрова"  # as the admin pages list staff
    assert by_role["agent"].token_hash == token_hash(token)
    assert by_role["partner"].partner_name == "PayCo"
    assert by_role["partner"].scopes == ["tickets:write"]
    assert all(token not in str(tuple(row)) for row in rows)  # only the hash is kept

    # The first agent gets into the console from the terminal: a one-time link for them.
    link = re.search(r"http://\S+/sign-in/(\S+)", made.stderr)
    assert link is not None, made.stderr
    grant = read_token(system.runtime("intake").signer, link.group(1))
    assert grant is not None and grant.credential_id == by_role["agent"].id
    assert "sign-in" not in key.stderr  # partners have no console

    for bad in (
        ("agents", "create", "--email", "anna", "--role", "agent"),
        ("agents", "create", "--email", "a@b.ru", "--role", "partner"),
        ("partners", "create", "--name", "PayCo", "--scope", "tickets:delete"),
    ):
        refused = await _cli(system, *bad)
        assert refused.exit_code != 0 and refused.stdout == "", bad

    listed = await _cli(system, "credentials", "list")
    assert "anna@sviftcommunity.ru" in listed.stdout and "active" in listed.stdout
    revoked = await _cli(system, "credentials", "revoke", str(by_role["agent"].id))
    assert revoked.exit_code == 0, revoked.output
    queue = await system.intake.get("/v1/queue", headers=bearer(token))
    assert queue.status_code == 401
