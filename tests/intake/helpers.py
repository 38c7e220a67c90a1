"""What the intake tests share: tokens as intake issues them, tickets, moves, events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.intake.credentials import use_cases as credentials
from services.intake.tables import outbox
from shared.auth import Role
from shared.contracts.events import TicketStatus
from shared.settings import Settings
from tests.conftest import free_port
from tests.support import System, ticket_body

# The whole table, written out: what agents may do from each status.
LEGAL = {
    TicketStatus.received: {
        TicketStatus.open,
        TicketStatus.in_progress,
        TicketStatus.waiting_customer,
        TicketStatus.waiting_partner,
        TicketStatus.in_development,
        TicketStatus.resolved,
    },
    TicketStatus.open: {
        TicketStatus.in_progress,
        TicketStatus.waiting_customer,
        TicketStatus.waiting_partner,
        TicketStatus.in_development,
        TicketStatus.resolved,
    },
    TicketStatus.in_progress: {
        TicketStatus.waiting_customer,
        TicketStatus.waiting_partner,
        TicketStatus.in_development,
        TicketStatus.resolved,
    },
    TicketStatus.waiting_customer: {
        TicketStatus.in_progress,
        TicketStatus.waiting_partner,
        TicketStatus.in_development,
        TicketStatus.resolved,
    },
    TicketStatus.waiting_partner: {
        TicketStatus.in_progress,
        TicketStatus.waiting_customer,
        TicketStatus.in_development,
        TicketStatus.resolved,
    },
    TicketStatus.in_development: {
        TicketStatus.in_progress,
        TicketStatus.waiting_customer,
        TicketStatus.waiting_partner,
        TicketStatus.resolved,
    },
    TicketStatus.resolved: {TicketStatus.in_progress, TicketStatus.closed},
    TicketStatus.closed: set(),
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue(
    system: System,
    role: Role = Role.agent,
    *,
    email: str = "agent@sviftcommunity.ru",
    partner_name: str = "Acme",
    scopes: tuple[str, ...] = ("tickets:write", "tickets:read"),
) -> tuple[str, dict[str, str]]:
    """A credential issued the way `sviftdesk agents/partners create` issues it: its id and
    the Authorization header carrying it."""
    runtime = system.runtime("intake")
    async with runtime.unit_of_work() as uow:
        issued = await credentials.issue(
            uow,
            runtime.signer,
            role=role,
            email=email,
            partner_name=partner_name,
            scopes=scopes,
        )
    return str(issued.id), bearer(issued.token)


async def agent(system: System, role: Role = Role.agent) -> dict[str, str]:
    return (await issue(system, role, email=f"{role.value}@sviftcommunity.ru"))[1]


async def new_ticket(
    system: System,
    email: str = "ivan@example.com",
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    response = await system.intake.post(
        "/v1/tickets", json=ticket_body(email, **overrides), headers=headers or {}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def move(
    system: System, staff: dict[str, str], ticket_id: str, to: str, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"to": to, **extra}
    if to == "resolved":
        body.setdefault("note", "Исправили настройки оплаты.")
    if to == "waiting_partner":
        body.setdefault("partner", {"name": "PayCo", "reference": "PC-17"})
    return await system.intake.post(
        f"/v1/tickets/{ticket_id}/transitions", json=body, headers=staff
    )


async def read(system: System, ticket_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await system.intake.get(f"/v1/tickets/{ticket_id}", headers=headers)
    assert response.status_code == 200, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def events(system: System, event_type: str | None = None) -> list[dict[str, Any]]:
    """Every event intake staged, in order (its outbox keeps them after publishing)."""
    async with system.runtime("intake").db.sessions() as session:
        rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.id))).all()
    found = [row.envelope for row in rows]
    return [e for e in found if event_type is None or e["type"] == event_type]


# Starts the system with some settings changed (tests/intake/conftest.py's ``limited``).
Limited = Callable[..., AbstractAsyncContextManager[System]]


def from_address(system: System, address: str, service: str = "intake") -> httpx.AsyncClient:
    """A client whose socket address is ``address``, as uvicorn would report it."""
    transport = httpx.ASGITransport(app=system.apps[service], client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{service}")


@asynccontextmanager
async def listening_system(
    settings: Settings, request: pytest.FixtureRequest, **update: object
) -> AsyncIterator[System]:
    """A system whose intake hears SMTP on a free port of its own (loopback)."""
    sink = request.getfixturevalue("smtp_sink") if settings.deliveries.smtp_url else None
    own = settings.model_copy(
        update={"smtp_listen_host": "127.0.0.1", "smtp_listen_port": free_port(), **update}
    )
    async with System.start(own, smtp_sink=sink) as system:
        yield system
