"""A database that is unavailable is a wait, not an error: every service answers 503 with
Retry-After and a problem body while PostgreSQL refuses connections, /readyz says why, and a
client that retries with its Idempotency-Key gets its one ticket once the database is back."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from shared.auth import Role
from shared.settings import Settings
from tests.conftest import PG_ADMIN_URL
from tests.support import System, ticket_body


async def refuse_connections(database: str, refuse: bool) -> None:
    """What a restarting or failed-over PostgreSQL does to its clients: open connections are
    cut and new ones refused."""
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=60)  # the server may be busy
    try:
        allow = "false" if refuse else "true"
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {allow}')
        if refuse:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await conn.close()


@pytest.mark.parametrize("backend", ["real"])
async def test_every_service_answers_503_while_the_database_is_down(
    system: System, settings: Settings
) -> None:
    assert settings.database_url is not None
    database = settings.database_url.rsplit("/", 1)[1]
    staff = {
        "Authorization": "Bearer " + system.runtime("sla").signer.issue(uuid.uuid4(), Role.agent)
    }
    key = {"Idempotency-Key": f"outage-{uuid.uuid4()}"}
    await refuse_connections(database, refuse=True)
    try:
        calls = [
            system.intake.post("/v1/tickets", json=ticket_body(), headers=key),
            system.clients["sla"].get(f"/v1/tickets/{uuid.uuid4()}/sla", headers=staff),
            system.clients["escalation"].get("/v1/escalations", headers=staff),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
            assert "try again" in response.json()["detail"]
        ready = await system.intake.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")
    finally:
        await refuse_connections(database, refuse=False)

    retried = await system.intake.post("/v1/tickets", json=ticket_body(), headers=key)
    assert retried.status_code == 201, retried.text
    again = await system.intake.post("/v1/tickets", json=ticket_body(), headers=key)
    assert again.json()["id"] == retried.json()["id"]
    assert await system.count_rows("intake", "ticket") == 1
    assert (await system.intake.get("/readyz")).status_code == 200
