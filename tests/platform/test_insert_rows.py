"""insert_rows: many rows in one statement, the same on PostgreSQL (unnest) and SQLite."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.intake.tables import customer, idempotency_key
from shared.db import insert_rows
from tests.support import System


async def test_rows_conflicts_json_and_returning(system: System) -> None:
    db = system.runtime("intake").db
    first = [
        {"id": uuid.uuid4(), "email": f"p{n}@example.com", "name": f"П{n}", "language": "ru"}
        for n in range(3)
    ]
    async with db.transaction() as session:
        created = await insert_rows(
            session, customer, first, returning=("id", "email"), skip_conflicts_on=("email",)
        )
    assert {(row.id, row.email) for row in created} == {(r["id"], r["email"]) for r in first}

    again = [
        {**first[1], "id": uuid.uuid4()},  # taken: skipped
        {"id": uuid.uuid4(), "email": "new@example.com", "name": "Н", "language": "en"},
    ]
    async with db.transaction() as session:
        created = await insert_rows(
            session, customer, again, returning=("email",), skip_conflicts_on=("email",)
        )
    assert [row.email for row in created] == ["new@example.com"]

    stored = {"id": "x", "nested": {"list": [1, 2], "text": "Привет"}}
    async with db.transaction() as session:
        await insert_rows(
            session,
            idempotency_key,
            [
                {
                    "key": "k1",
                    "scope": "public",
                    "fingerprint": "f",
                    "status_code": 201,
                    "response": stored,
                    "created_at": datetime.fromisoformat("2026-11-24T12:00:00+03:00"),
                }
            ],
        )
    async with db.sessions() as session:
        row = (await session.execute(select(idempotency_key))).one()
    assert row.response == stored
    assert row.created_at == datetime.fromisoformat("2026-11-24T09:00:00+00:00")


async def test_a_naive_time_is_refused_on_every_backend(system: System) -> None:
    db = system.runtime("intake").db
    naive = {
        "key": "k2",
        "scope": "public",
        "fingerprint": "f",
        "status_code": 201,
        "response": {},
        "created_at": datetime(2026, 11, 24, 12, 0),  # whose noon? refused, never guessed
    }
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            await insert_rows(session, idempotency_key, [naive])
    assert await system.count_rows("intake", "idempotency_key") == 0


async def test_rows_roll_back_with_their_transaction(system: System) -> None:
    """On PostgreSQL the rows go as arrays the server unnests: they must still be inside the
    session's transaction, even as its first statement, and fail as SQLAlchemy errors do."""
    db = system.runtime("intake").db
    person = {"id": uuid.uuid4(), "email": "once@example.com", "name": "О", "language": "ru"}
    with pytest.raises(RuntimeError, match="after the insert"):
        async with db.transaction() as session:
            await insert_rows(session, customer, [person])
            raise RuntimeError("after the insert")
    assert await system.count_rows("intake", "customer") == 0

    async with db.transaction() as session:
        await insert_rows(session, customer, [person])
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await insert_rows(session, customer, [{**person, "id": uuid.uuid4()}])
    assert await system.count_rows("intake", "customer") == 1
