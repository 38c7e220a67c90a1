"""Live notifications in the console (issue 16): the notices the notifier sends are kept once
each, for their person whichever token they signed in with; the live stream pushes new ones
and the queue's changes, and ends when the server stops; in the browser, an agent sees a
ticket handed to them and a new request in the queue without a reload, chooses how they are
told, and finds the keyboard's help behind "?"."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from services.cli import app_factory
from services.console import notices, sessions
from services.console.app import create_app
from services.console.live import LiveHub, stream
from services.console.notices import Notice
from shared import signin
from shared.auth import Role
from shared.contracts.events import (
    StaffNoticeKind,
    StaffNotified,
    StaffRegistered,
    StaffRole,
    TicketAssigned,
)
from shared.inbox import idempotent_consumer
from shared.serving import Server, server_config
from shared.settings import Settings
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.events import envelope
from tests.intake.helpers import issue, new_ticket

ANNA = "anna@sviftcommunity.ru"
BORIS = "boris@sviftcommunity.ru"


def _notified(email: str, staff_id: uuid.UUID, number: str = "SD-1") -> StaffNotified:
    return StaffNotified(
        notification_id=uuid.uuid4(),
        kind=StaffNoticeKind.ticket_handed_over,
        staff_id=staff_id,
        email=email,
        ticket_id=uuid.uuid4(),
        number=number,
        by_mail=False,
        notified_at=datetime.now(UTC),
    )


def _registered(email: str) -> StaffRegistered:
    now = datetime.now(UTC)
    return StaffRegistered(
        credential_id=uuid.uuid4(),
        email=email,
        role=StaffRole.agent,
        registered_at=now,
        expires_at=now + timedelta(hours=20),
    )


def _describe(notice: Notice) -> dict[str, str]:
    return {"text": notice.number, "href": f"/tickets/{notice.ticket_id}"}


async def _next(events: AsyncIterator[str]) -> tuple[str, dict[str, object]]:
    """The next event of a stream (comments skipped): its name and data."""
    while True:
        chunk = await asyncio.wait_for(anext(events), timeout=10)
        fields = dict(
            line.split(": ", 1) for line in chunk.strip().splitlines() if not line.startswith(":")
        )
        if "event" in fields:
            return fields["event"], json.loads(fields["data"])


async def test_notices_are_kept_once_for_their_person_and_streamed_live(
    settings: Settings,
) -> None:
    app = create_app(settings)
    runtime = app.state.runtime
    consume = idempotent_consumer(
        runtime.db, runtime.inbox, runtime.outbox, runtime.source, runtime.handlers
    )
    hub: LiveHub = app.state.live  # its lifespan is not run: the hub's watch is started here
    watching = asyncio.create_task(hub.run())
    try:
        # Anna holds two tokens (today's and yesterday's); the notifier addressed today's.
        today, yesterday = _registered(ANNA), _registered(ANNA)
        for registered in (today, yesterday):
            await consume(envelope(registered))
        handed = _notified(ANNA, today.credential_id)
        event = envelope(handed)
        await consume(event)
        await consume(event)  # the bus delivered it twice
        # The notifier told of the same cause again (its own redelivery): a new event id.
        await consume(envelope(handed.model_copy(update={"notified_at": datetime.now(UTC)})))
        await consume(envelope(_notified(BORIS, uuid.uuid4())))

        for session_token in (today.credential_id, yesterday.credential_id):
            [kept] = await notices.newest(runtime.db, session_token)
            assert (kept.number, kept.ticket_id, kept.read) == ("SD-1", handed.ticket_id, False)
            assert await notices.unread(runtime.db, session_token) == 1
        # Before the console heard of a token, the notices addressed to it still find it.
        stranger = uuid.uuid4()
        await consume(envelope(_notified("new@sviftcommunity.ru", stranger)))
        assert [n.number for n in await notices.newest(runtime.db, stranger)] == ["SD-1"]

        # Live: the count at once, then each new notice of hers, and the queue's changes.
        events = stream(hub, runtime.db, yesterday.credential_id, _describe)
        assert (await anext(events)).startswith("retry:")
        assert await _next(events) == ("unread", {"count": 1})
        pending = asyncio.ensure_future(_next(events))
        await consume(envelope(_notified(BORIS, uuid.uuid4(), "SD-8")))  # not hers
        await consume(envelope(_notified(ANNA, today.credential_id, "SD-2")))
        name, data = await pending
        assert (name, data["text"], data["unread"]) == ("notice", "SD-2", 2)
        # An agent put a ticket back: the queue changed.
        put_back = TicketAssigned(
            ticket_id=uuid.uuid4(),
            number="SC-000003",
            assignee_id=None,
            previous_assignee_id=today.credential_id,
            assigned_by=today.credential_id,
            assigned_at=datetime.now(UTC),
        )
        pending = asyncio.ensure_future(_next(events))
        await consume(envelope(put_back))
        assert (await pending)[0] == "queue"

        # Marking read: up to the newest the page showed; one that came after stays unread.
        [newer, older] = await notices.newest(runtime.db, today.credential_id)
        assert await notices.mark_all_read(runtime.db, today.credential_id, older.seq) == 1
        assert await notices.unread(runtime.db, today.credential_id) == 1
        assert await notices.mark_all_read(runtime.db, yesterday.credential_id) == 1
        assert await notices.unread(runtime.db, today.credential_id) == 0
        assert newer.number == "SD-2"

        # A reconnection names the last notice it got (Last-Event-ID): the later ones follow.
        resumed = stream(
            hub,
            runtime.db,
            today.credential_id,
            _describe,
            last_seq=older.seq,
            heartbeat_seconds=0.1,
        )
        await anext(resumed)
        assert await _next(resumed) == ("unread", {"count": 0})
        name, data = await _next(resumed)
        assert (name, data["text"]) == ("notice", "SD-2")
        await resumed.aclose()

        # A session that ended ends its stream at the next heartbeat.
        async def signed_out() -> bool:
            return False

        ended = stream(
            hub,
            runtime.db,
            today.credential_id,
            _describe,
            signed_in=signed_out,
            heartbeat_seconds=0.1,
        )
        async with asyncio.timeout(5):
            rest = [chunk async for chunk in ended]
        assert not any("heartbeat" in chunk for chunk in rest)

        # The server stops: the stream ends by itself, holding no shutdown up.
        pending = asyncio.ensure_future(_next(events))
        hub.close()
        try:
            await asyncio.wait_for(pending, timeout=5)
            raise AssertionError("the stream went on after the server stopped")
        except StopAsyncIteration:
            pass
    finally:
        hub.close()
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        await runtime.db.dispose()


async def test_an_agent_is_told_live_chooses_how_and_finds_the_keys(desk: Desk) -> None:
    """Boris's open queue shows a customer's new request and, when Anna hands him a ticket,
    a notice and the unread count, with no reload; his notices page lists it, keeps his
    choices at the notifier, and "?" shows the keys."""
    system = desk.system
    _anna_id, anna = await issue(system, Role.agent, email=ANNA)
    boris_id, _boris = await issue(system, Role.agent, email=BORIS)
    page = await signed_in(desk, uuid.UUID(boris_id))
    # Half-typed words in the search box: a reload would lose them.
    await page.get_by_label("Поиск").fill("черновик")

    # A new request appears at once: the live signal, not the 20 s fallback poll.
    filed = await new_ticket(system, "ivan@example.com", subject="Не приходят письма")
    await expect(page.locator("#queue-rows")).to_contain_text(filed["number"], timeout=8_000)

    # Anna takes it and hands it to Boris: he is told on the page he has open.
    assert (await system.intake.post("/v1/queue/claim", headers=anna)).status_code == 200
    handed = await system.intake.put(
        f"/v1/tickets/{filed['id']}/assignee", json={"agent_id": boris_id}, headers=anna
    )
    assert handed.status_code == 200, handed.text
    told = page.locator("#ntf-toasts").get_by_role(
        "link", name=f"Вам передали обращение {filed['number']}"
    )
    await expect(told).to_be_visible(timeout=15_000)
    await expect(page.locator("#ntf-count")).to_have_text("1")
    await expect(page.get_by_label("Поиск")).to_have_value("черновик")

    # "?" while typing is a character; elsewhere it opens the keys' help, and Esc closes it.
    await page.get_by_label("Поиск").press("?")
    await expect(page.get_by_label("Поиск")).to_have_value("черновик?")
    help_dialog = page.get_by_role("dialog", name="Клавиши")
    await expect(help_dialog).to_be_hidden()
    await page.locator("h1").click()
    await page.keyboard.press("?")
    await expect(help_dialog).to_be_visible()
    await expect(help_dialog).to_contain_text("взять следующее")
    await page.keyboard.press("Escape")
    await expect(help_dialog).to_be_hidden()

    # The notice leads to the ticket; "r" goes to the reply box.
    await told.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(filed["number"])
    await page.keyboard.press("r")
    await expect(page.locator("#reply-body")).to_be_focused()

    # His notices, newest first, unread marked; "j" walks the list.
    await page.goto("/notifications")
    row = page.locator(".ntf-list tbody tr").first
    await expect(row).to_contain_text(f"Вам передали обращение {filed['number']}")
    await expect(row).to_contain_text("новое")
    await page.locator("h1").click()
    await page.keyboard.press("j")
    await expect(row.get_by_role("link")).to_be_focused()

    # What he is told of, and how: kept at the notifier, shown again on the next visit.
    choice = page.get_by_label("Мне передали обращение")
    await expect(choice).to_have_value("mail")
    await choice.select_option("console")
    await page.get_by_role("button", name="Сохранить настройки").click()
    await expect(page.get_by_role("status").filter(has_text="Настройки сохранены")).to_be_visible()
    await page.reload()
    await expect(page.get_by_label("Мне передали обращение")).to_have_value("console")
    await expect(page.get_by_label("Клиент ответил в моём обращении")).to_have_value("mail")
    await desk.screenshot(page, "notifications")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    # A value the notifier refuses: its reason beside the field, not an error page.
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    refused = await page.request.post(
        "/notifications/preferences", form={"csrf": csrf or "", "ticket_handed_over": "sms"}
    )
    assert refused.status == 422
    assert 'id="ntf-ticket_handed_over-error"' in await refused.text()

    # All read: the marks and the header's count go.
    await page.get_by_role("button", name="Отметить все прочитанными").click()
    await expect(page.locator(".ntf-list tbody tr").first).not_to_contain_text("новое")
    await expect(page.locator("#ntf-badge")).to_be_hidden()


@pytest.mark.parametrize("backend", ["embedded"])  # the server's part: no storage involved
async def test_the_stream_is_served_and_ends_when_the_server_stops(settings: Settings) -> None:
    """Over a real socket, as ``sviftdesk serve`` serves it: the count at once, and when the
    server is told to stop, the stream ends cleanly (its last chunk) and the server stops,
    instead of waiting for the browser to go."""
    app = app_factory("console")(settings)
    server = Server(server_config(app, host="127.0.0.1", port=0, max_header_bytes=16384))
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
            await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    cookie, _agent = await sessions.start(
        app.state.runtime.db,
        signin.new_grant(uuid.uuid4(), Role.agent, 5),
        language="ru",
        hours=1,
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"GET /events HTTP/1.1\r\nHost: console\r\n"
            + f"Cookie: sviftdesk_console={cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        head = b""
        async with asyncio.timeout(10):
            while b"event: unread" not in head:
                head += await reader.read(1024)
        assert head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head
        assert b'"count": 0' in head
        server.should_exit = True
        async with asyncio.timeout(10):
            rest = await reader.read()
            await serving
        assert rest.endswith(b"0\r\n\r\n")  # the chunked stream's end, not a cut
    finally:
        writer.close()
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
