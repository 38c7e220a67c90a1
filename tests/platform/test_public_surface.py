"""What a stranger reaches on a service's port: every answer carries the security headers,
the API's description and the metrics can leave the public port, and no log line keeps a
customer's name, address, subject or key, whatever fails."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
import structlog
import uvicorn
from fastapi import FastAPI

from services.intake.tickets import queries as repository
from services.intake.tickets import use_cases as intake_service
from shared import errors
from shared.bus import embedded as embedded_bus
from shared.bus.embedded import EmbeddedBus
from shared.bus.topology import Topology
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CredentialRevoked
from shared.logging import configure_logging
from shared.settings import Settings
from tests.conftest import free_port
from tests.events import envelope
from tests.support import System, eventually, ticket_body, uvicorn_serving

# Nothing here depends on where the data is kept.
embedded = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

SECURITY = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def _secured(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in SECURITY.items())


@embedded
async def test_every_answer_carries_the_security_headers(settings: Settings) -> None:
    async with System.start(settings.model_copy(update={"max_request_bytes": 2048})) as system:
        for name in ("intake", "sla", "notifier", "escalation"):
            client = system.clients[name]
            for response in (
                await client.get("/healthz"),
                await client.get("/no/such/page"),
                await client.get("/docs"),
                await client.post("/v1/tickets", content=b"x" * 4096),  # 413 from the limit
            ):
                assert _secured(response), (name, response.request.url, response.headers)
                # Over plain HTTP, HSTS would lock out a deployment without TLS.
                assert "strict-transport-security" not in response.headers
        refused = await system.intake.post("/v1/tickets", json={"channel": "phone"})
        assert refused.status_code == 422 and _secured(refused)

        # Behind a TLS proxy (uvicorn takes the scheme from X-Forwarded-Proto), HSTS is sent.
        transport = httpx.ASGITransport(app=system.apps["intake"])
        async with httpx.AsyncClient(transport=transport, base_url="https://intake") as tls:
            answer = await tls.get("/healthz")
        assert answer.headers["strict-transport-security"].startswith("max-age=")


@embedded
async def test_docs_and_metrics_can_leave_the_public_port(settings: Settings) -> None:
    port = free_port()
    private = settings.model_copy(
        update={"public_docs": False, "metrics_port": port, "metrics_host": "127.0.0.1"}
    )
    async with System.start(private, services=("intake",)) as system:
        for path in ("/docs", "/redoc", "/openapi.json", "/metrics"):
            assert (await system.intake.get(path)).status_code == 404, path
        assert (await system.intake.get("/healthz")).status_code == 200
        async with httpx.AsyncClient() as monitoring:
            scraped = await monitoring.get(f"http://127.0.0.1:{port}/metrics")
        assert scraped.status_code == 200
        assert 'sviftdesk_http_requests_total{method="GET"' in scraped.text
    # Stopped with the service: the port is free again.
    async with httpx.AsyncClient() as monitoring:
        with pytest.raises(httpx.ConnectError):
            await monitoring.get(f"http://127.0.0.1:{port}/metrics")


# What a failure might quote: the customer's name, address, subject and their key.
NAME, ADDRESS, SUBJECT = "Аглая Знаменская", "aglaya.z@example.org", "Плачу за чужой заказ"
TOKEN = "Qm9ndXMta2V5LWZvci10aGUtdGVzdC1vbmx5LTEyMzQ1Ng"
KNOWN = (NAME, ADDRESS, SUBJECT, TOKEN, "aglaya", "Знаменская")


def _json_logs(monkeypatch: pytest.MonkeyPatch, *modules: ModuleType) -> None:
    """JSON logs from here on, also from modules whose logger an earlier test already used
    (structlog keeps a logger's first configuration)."""
    configure_logging("INFO", json=True)
    for module in modules:
        monkeypatch.setattr(module, "log", structlog.get_logger(module.__name__))


@asynccontextmanager
async def _served(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real uvicorn, as `sviftdesk serve` runs it: uvicorn logs what it sees
    escape the app, through the standard library."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=True, lifespan="off"
    )
    async with uvicorn_serving(config):
        yield f"http://127.0.0.1:{port}"


@embedded
async def test_no_personal_data_reaches_the_logs_whatever_fails(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _json_logs(monkeypatch, errors)
    # A server started with access_log=False (as `serve` runs) turns the access logger off for
    # the whole process; this test reads it.
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "propagate", True)
    body = ticket_body(ADDRESS, subject=SUBJECT)
    body["customer"]["name"] = NAME

    async def database_refuses(*_args: Any, **_kwargs: Any) -> Any:
        raise sqlalchemy.exc.IntegrityError(
            "INSERT INTO ticket (subject, access_token) VALUES (?, ?)",
            (SUBJECT, TOKEN, ADDRESS, NAME),
            Exception(f"Key (email)=({ADDRESS}) already exists; name {NAME}"),
        )

    async def bug(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"cannot file for {NAME} <{ADDRESS}>: {SUBJECT!r} token={TOKEN}")

    try:
        async with (
            System.start(settings, services=("intake",)) as system,
            _served(system.apps["intake"]) as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            auth = {"Authorization": f"Bearer {TOKEN}"}
            for failure in (database_refuses, bug):
                with monkeypatch.context() as patch:
                    patch.setattr(repository, "insert_tickets", database_refuses)
                    if failure is bug:
                        patch.setattr(intake_service, "create_ticket", bug)
                    failed = await client.post("/v1/tickets", json=body, headers=auth)
                assert failed.status_code == 500, failed.text
                assert _secured(failed)
                assert failed.json()["title"] == "Internal error"
                assert not any(known in failed.text for known in KNOWN)
            # The access log of a link carrying a key.
            await client.get(f"/v1/tickets/x?token={TOKEN}&email={ADDRESS}")
    finally:
        output = capsys.readouterr()
        configure_logging("INFO", json=False)
    logged = output.err + output.out
    lines = [json.loads(line) for line in output.err.splitlines() if line.startswith("{")]
    failures = [line for line in lines if line["event"] == "request.failed"]
    # Both failures are logged, with where they happened and their kind...
    assert len(failures) == 2, logged
    assert "IntegrityError: Exception [SQL: INSERT INTO ticket" in failures[0]["exception"]
    assert "in database_refuses" in failures[0]["exception"]
    assert failures[1]["exception"].endswith("RuntimeError")
    # ... and uvicorn's own report of them and its access log come through the same filter.
    assert any(line["event"].startswith("Exception in ASGI application") for line in lines)
    assert any("GET /v1/tickets/x?token=[redacted]" in line["event"] for line in lines)
    for known in KNOWN:
        assert known not in logged, known
    assert logging.getLogger().handlers  # the redacting handler stays for what follows


async def test_a_failing_consumer_logs_no_personal_data(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """What a handler's error says (a query's values, a customer's words) stays out of the
    retry and parking logs; the parked event itself is for ops, as before."""
    _json_logs(monkeypatch, embedded_bus)
    bus = EmbeddedBus(tmp_path / "bus.db", Topology(retry_delays_ms=(10,)), poll_seconds=0.05)
    await bus.start()

    async def handler(_event: CloudEvent) -> None:
        raise RuntimeError(f"no template for {NAME} <{ADDRESS}>")

    try:
        await bus.subscribe("notifier", ["credential.revoked"], handler)
        revoked = CredentialRevoked(credential_id=uuid.uuid4(), revoked_at=datetime.now(UTC))
        await bus.publish(envelope(revoked))
        [parked] = await eventually(lambda: bus.parked("notifier"), lambda found: len(found) == 1)
        assert ADDRESS in parked.error
    finally:
        await bus.close()
        output = capsys.readouterr().err
        configure_logging("INFO", json=False)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [line["error"] for line in lines if line["event"].startswith("event.")] == [
        "RuntimeError",
        "RuntimeError",
    ]
    assert NAME not in output and ADDRESS not in output
