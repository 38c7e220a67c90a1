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
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.cli import migrate_services
from services.intake import credentials
from services.intake.app import create_app
from services.intake.tables import SCHEMA
from shared.auth import Role, load_signer
from shared.db import Database
from shared.settings import Settings
from tests.support import ticket_body

EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


async def _admin_token(settings: Settings) -> str:
    await migrate_services(settings, ("intake",))
    db = Database.connect(settings.database_url_for("intake"), SCHEMA)
    try:
        issued = await credentials.issue(
            db, load_signer(settings), role=Role.admin, email="admin@sviftcommunity.ru"
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


def _run(operation: Any, headers: dict[str, str], path_parameters: dict[str, str]) -> None:
    wanted = {k: v for k, v in path_parameters.items() if k in operation.path}
    strategy = operation.as_strategy(path_parameters=wanted or None)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()


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
        _run(operation, {}, {})
        _run(operation, customer, ticket)
        _run(operation, admin, ticket)
