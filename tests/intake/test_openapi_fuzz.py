"""Schemathesis over intake's OpenAPI: whatever a client sends, as nobody, as a customer or as
an admin, intake never fails with a 5xx and never answers outside its own documented schema.

Embedded backend only (it is the same code on both), and bounded: a few examples each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.python import asgi

from services.cli import migrate_services
from services.intake.app import create_app
from services.intake.credentials import use_cases as credentials
from services.intake.tables import SCHEMA
from shared.auth import Role, load_signer
from shared.db import Database
from shared.settings import Settings
from tests.openapi_fuzz import fuzz
from tests.support import ticket_body


async def _admin_token(settings: Settings) -> str:
    await migrate_services(settings, ("intake",))
    db = Database.connect(settings.database_url_for("intake"), SCHEMA)
    try:
        async with credentials.unit_on(db) as uow:
            issued = await credentials.issue(
                uow, load_signer(settings), role=Role.admin, email="admin@sviftcommunity.ru"
            )
    finally:
        await db.dispose()
    return issued.token


@pytest.fixture
def fuzzed_app(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    settings = Settings(var_dir=tmp_path / "var", log_json=False, relay_poll_seconds=0.2)
    token = asyncio.run(_admin_token(settings))
    app = create_app(settings)
    try:
        yield app, token
    finally:
        asgi.shutdown_lifespans()


def test_intake_never_breaks_its_own_openapi(fuzzed_app: tuple[Any, str]) -> None:
    app, admin_token = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    with asgi.get_client(app) as client:
        created = client.post("/v1/tickets", json=ticket_body()).json()
    customer = {"Authorization": f"Bearer {created['access_token']}"}
    admin = {"Authorization": f"Bearer {admin_token}"}
    ticket = {"ticket_id": created["id"]}

    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {operation.path for operation in operations}
    assert {"/v1/tickets/{ticket_id}/transitions", "/v1/queue/claim", "/v1/feedback"} <= paths
    for operation in operations:
        fuzz(operation, {}, {})
        fuzz(operation, customer, ticket)
        fuzz(operation, admin, ticket)
