"""Schemathesis over the sla, notifier and escalation APIs (intake has its own, with tickets
to work on): as nobody, as a partner and as an admin, no 5xx and no answer outside the schema.
Embedded backend only: it is the same code on both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.python import asgi

from services.cli import app_factory, migrate_services
from shared.auth import Role, load_signer
from shared.settings import Settings
from tests.openapi_fuzz import fuzz


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    # With a tracker secret, fix callbacks are checked (unset, they are refused with a 503).
    settings = Settings(
        var_dir=tmp_path / "var",
        log_json=False,
        relay_poll_seconds=0.2,
        tracker_secret="t" * 32,  # type: ignore[arg-type]
    )
    yield settings
    asgi.shutdown_lifespans()


@pytest.mark.parametrize("service", ["sla", "notifier", "escalation"])
def test_a_service_never_breaks_its_own_openapi(settings: Settings, service: str) -> None:
    asyncio.run(migrate_services(settings, (service,)))
    app = app_factory(service)(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    signer = load_signer(settings)

    def bearer(role: Role, *scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {signer.issue(uuid.uuid4(), role, scopes)}"}

    callers = [{}, bearer(Role.partner, "webhooks", "tickets:read"), bearer(Role.admin)]
    ids: dict[str, Any] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, [operation.path for operation in operations]
    for operation in operations:
        for headers in callers:
            fuzz(operation, headers, ids)
