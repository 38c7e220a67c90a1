"""Intake's SMTP listener, spoken to with smtplib like any mail server would (clause 3).

It accepts mail for the support addresses only, refuses a message over the size limit, and
says 250 only once the ticket is committed: when the database refuses writes the answer is a
temporary failure, and the sender's retry later files exactly one ticket.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from email.mime.text import MIMEText
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from shared.settings import Settings
from tests.conftest import PG_ADMIN_URL
from tests.intake.helpers import agent, listening_system, read
from tests.support import System

SUPPORT = "support@sviftcommunity.ru"
LIMIT = 16 * 1024
BIG = ("x" * 70 + "\n") * (LIMIT // 70 + 1)  # over the limit, in lines of a sane length
T = TypeVar("T")


@pytest.fixture
async def listening(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[System]:
    async with listening_system(settings, request, max_mail_bytes=LIMIT) as system:
        yield system


def message(body: str = "Не проходит оплата.", sender: str = "ivan@example.com") -> bytes:
    mail = MIMEText(body, "plain", "utf-8")
    mail["From"], mail["To"], mail["Subject"] = sender, SUPPORT, "Оплата"
    mail["Message-ID"] = f"<{uuid.uuid4()}@example.com>"
    return mail.as_bytes().replace(b"\n", b"\r\n")  # CRLF line ends, as on the wire


@contextmanager
def session(system: System) -> Iterator[smtplib.SMTP]:
    client = smtplib.SMTP("127.0.0.1", system.settings.mail_intake.smtp_listen_port, timeout=30)
    try:
        client.ehlo("client.example.com")
        yield client
    finally:
        client.close()


async def off_loop(call: Callable[[], T]) -> T:
    """smtplib blocks; the listener runs on this event loop, so the client runs beside it."""
    return await asyncio.to_thread(call)


def transaction(client: smtplib.SMTP, raw: bytes, rcpt: str = SUPPORT) -> tuple[int, bytes]:
    """MAIL, RCPT and DATA, without the SIZE hint, so that DATA itself meets the limit."""
    client.rset()
    code, answer = client.mail("ivan@example.com")
    assert code == 250, answer
    code, answer = client.rcpt(rcpt)
    if code != 250:
        return code, answer
    return client.data(raw)


async def test_accepted_mail_is_an_email_ticket_and_is_confirmed(listening: System) -> None:
    def send() -> dict[str, tuple[int, bytes]]:
        with session(listening) as client:
            return client.sendmail("ivan@example.com", [SUPPORT], message())

    assert await off_loop(send) == {}
    staff = await agent(listening)
    queue = (await listening.intake.get("/v1/queue", headers=staff)).json()
    [item] = queue["items"] if isinstance(queue, dict) else queue
    assert item["channel"] == "email"
    ticket = await read(listening, item["id"], staff)
    assert ticket["body"] == "Не проходит оплата."
    [receipt] = await listening.wait_for_mail(1)
    assert ticket["number"] in str(receipt["Subject"])


async def test_other_recipients_are_refused_at_rcpt(listening: System) -> None:
    def send() -> tuple[int, bytes]:
        with session(listening) as client:
            return transaction(client, message(), rcpt="someone@elsewhere.example")

    code, answer = await off_loop(send)
    assert code == 550, answer
    assert await listening.count_rows("intake", "inbound_mail") == 0


async def test_a_message_over_the_limit_is_refused_at_data(listening: System) -> None:
    def send() -> tuple[tuple[int, bytes], dict[str, Any]]:
        with session(listening) as client:
            refused = transaction(client, message(BIG))
            # A client that announces the size is refused before it sends anything.
            try:
                client.sendmail("ivan@example.com", [SUPPORT], message(BIG))
            except smtplib.SMTPSenderRefused as exc:
                return refused, {"code": exc.smtp_code}
            return refused, {}

    (code, answer), announced = await off_loop(send)
    assert code == 552, answer
    assert announced == {"code": 552}
    assert await listening.count_rows("intake", "inbound_mail") == 0


@contextmanager
def sqlite_read_only(system: System) -> Iterator[None]:
    """Every new connection of intake's SQLite database refuses writes."""

    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    engine = system.runtime("intake").db.engine.sync_engine
    event.listen(engine, "connect", read_only)
    try:
        yield
    finally:
        event.remove(engine, "connect", read_only)


async def set_read_only(system: System, on: bool) -> None:
    """Make the database refuse writes, or accept them again, from the next connection on;
    intake's pool is emptied so that its next write meets the new setting."""
    runtime = system.runtime("intake")
    if runtime.db.is_postgres:
        name = make_url(system.settings.database_url or "").database
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            value = "on" if on else "off"
            await conn.execute(
                f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}'
            )
        finally:
            await conn.close()
    await runtime.db.engine.dispose()


async def test_no_mail_is_lost_when_the_database_refuses_writes(listening: System) -> None:
    system = listening
    first, second = message("Первое"), message("Второе", sender="anna@example.com")
    client = await off_loop(
        lambda: smtplib.SMTP("127.0.0.1", system.settings.mail_intake.smtp_listen_port)
    )
    try:
        await off_loop(lambda: client.ehlo("client.example.com"))
        code, _ = await off_loop(lambda: transaction(client, first))
        assert code == 250

        if system.runtime("intake").db.is_postgres:
            await set_read_only(system, True)
            code, answer = await off_loop(lambda: transaction(client, second))
            await set_read_only(system, False)
        else:
            with sqlite_read_only(system):
                await set_read_only(system, True)
                code, answer = await off_loop(lambda: transaction(client, second))
            await set_read_only(system, False)
        assert 400 <= code < 500, (code, answer)
        assert await system.count_rows("intake", "ticket") == 1

        # The sender retries, in the same session, and then once more (a duplicate).
        code, answer = await off_loop(lambda: transaction(client, second))
        assert code == 250, answer
        code, answer = await off_loop(lambda: transaction(client, second))
        assert code == 250, answer
    finally:
        await off_loop(client.close)
    assert await system.count_rows("intake", "ticket") == 2
    assert await system.count_rows("intake", "inbound_mail") == 2
