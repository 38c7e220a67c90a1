"""Database helpers: one async engine per service, on PostgreSQL (asyncpg) or SQLite (aiosqlite).

Every service declares its tables in its own schema. On PostgreSQL that schema is real; on
SQLite each service has its own file and the schema name is translated away.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    JSON,
    CursorResult,
    DateTime,
    Dialect,
    Executable,
    MetaData,
    Table,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, schema: str) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, execution_options={"schema_translate_map": {schema: None}}, hide_parameters=True
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # hide_parameters: an error's text never quotes a row's values (they are customers' data).
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_recycle=1800,
        hide_parameters=True,
    )


@dataclass
class Database:
    """A service's engine and its session factory."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Hooks run after a commit that marked their topic (e.g. "outbox"): wake a worker at once.
    _commit_hooks: dict[str, list[Callable[[], None]]] = field(default_factory=dict)
    # SQLite takes one writer at a time, and one kept waiting polls with growing sleeps: in a
    # burst, some waited past busy_timeout and failed with "database is locked". Here they
    # queue, first come first served, and each is let in the moment the one before commits.
    _writer: asyncio.Lock | None = None
    _writing: asyncio.Task[Any] | None = None

    @classmethod
    def connect(cls, url: str, schema: str) -> Database:
        engine = create_engine(url, schema)
        writer = asyncio.Lock() if is_sqlite(url) else None
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False), _writer=writer)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        On SQLite, units of work take turns (see ``_writer``): hold none across network I/O."""
        async with self._turn(), self.sessions() as session:
            async with session.begin():
                yield session
            for topic in session.info.pop("wake", ()):
                for hook in self._commit_hooks.get(topic, ()):
                    hook()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._writer is None or self._writing is task:
            # PostgreSQL locks rows, not the database; a unit nested in the writer's own
            # task goes on as before, or it would wait for itself.
            yield
            return
        async with self._writer:
            self._writing = task
            try:
                yield
            finally:
                self._writing = None

    def on_commit(self, topic: str, hook: Callable[[], None]) -> None:
        self._commit_hooks.setdefault(topic, []).append(hook)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def wake_after_commit(session: AsyncSession, topic: str) -> None:
    """Ask for the hooks of ``topic`` to run once this session's transaction commits."""
    session.info.setdefault("wake", set()).add(topic)


def upsert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT clauses, on PostgreSQL and SQLite alike."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, index_elements: list[str], **values: Any
) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING."""
    return (
        upsert(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=index_elements)
    )


class JsonText(str):
    """A JSON column's value already encoded (a model's ``model_dump_json``): stored as it is,
    not decoded and encoded again."""


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[str] = (),
    skip_conflicts_on: Sequence[str] = (),
) -> list[Any]:
    """Insert many rows in one statement; the ``returning`` columns of the rows inserted.

    On PostgreSQL the rows travel as one array per column and the server unnests them: one
    round trip, straight through asyncpg, and no per-row work in SQLAlchemy, which is most of
    a batch's cost otherwise. Returned rows are read by attribute, as SQLAlchemy's are.
    Values pass the column type's own checks (UtcDateTime refuses a naive time), JSON as text.
    ``skip_conflicts_on``: ON CONFLICT (those columns) DO NOTHING.
    """
    if not rows:
        return []
    columns = tuple(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        rows = [
            {k: json.loads(v) if isinstance(v, JsonText) else v for k, v in row.items()}
            for row in rows
        ]
        insert = upsert(session, table)
        if skip_conflicts_on:
            insert = insert.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        if returning:
            statement = insert.returning(*(table.c[name] for name in returning))
            return list((await session.execute(statement, list(rows))).all())
        await session.execute(insert, list(rows))
        return []
    sql = _unnest_insert(table, columns, tuple(returning), tuple(skip_conflicts_on))
    arrays = [_array(table, name, rows) for name in columns]
    records = await fetch_raw(session, sql, *arrays)
    if not returning:
        return []
    shape = _returned(tuple(returning))
    return [shape(*record) for record in records]


async def fetch_raw(session: AsyncSession, sql: str, *args: Any) -> list[Any]:
    """Run SQL (``$1`` placeholders) on the asyncpg connection under a PostgreSQL session, in
    its transaction: for the statements of the hottest paths, where SQLAlchemy's own work per
    statement costs more than the statement. Errors are SQLAlchemy's, as from ``execute``."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get("driver")
    if known is not None and transaction is not None and known[0] is transaction:
        driver: asyncpg.Connection = known[1]  # this transaction's, found before
    else:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        # SQLAlchemy's asyncpg adapter begins its transaction at its first statement: until
        # one has run, a statement straight on the driver would run outside it (and commit on
        # its own). Hot paths have run one already; otherwise a trivial one begins it.
        # (tests/platform/test_insert_rows.py checks that a rollback undoes this.)
        if not driver.is_in_transaction():
            await session.execute(text("SELECT 1"))
        session.info["driver"] = (session.sync_session.get_transaction(), driver)
    try:
        records: list[Any] = await driver.fetch(sql, *args)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(sql, args, exc) from exc
    except asyncpg.PostgresError as exc:
        raise DBAPIError(sql, args, exc) from exc
    return records


_POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]


@functools.cache
def _returned(columns: tuple[str, ...]) -> Callable[..., Any]:
    """Rows of these columns, read by attribute like SQLAlchemy's."""
    return namedtuple("Inserted", columns)


def _array(table: Table, name: str, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """A column's values as the driver takes them, through the column type's own checks."""
    column_type = table.c[name].type
    values = [row[name] for row in rows]
    if isinstance(column_type, TypeDecorator):
        values = [column_type.process_bind_param(value, _POSTGRES) for value in values]
    if isinstance(_plain_type(table, name), JSON):
        return [
            value if value is None or isinstance(value, JsonText) else json.dumps(value)
            for value in values
        ]
    return values


def _plain_type(table: Table, name: str) -> TypeEngine[Any]:
    column_type = table.c[name].type
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


@functools.cache
def _unnest_insert(
    table: Table, columns: tuple[str, ...], returning: tuple[str, ...], conflicts: tuple[str, ...]
) -> str:
    def array_type(name: str) -> str:
        column_type = _plain_type(table, name)
        if isinstance(column_type, JSON):
            return "json[]"
        return f"{column_type.compile(dialect=_POSTGRES)}[]"

    arrays = ", ".join(f"CAST(${i} AS {array_type(name)})" for i, name in enumerate(columns, 1))
    sql = f"INSERT INTO {table.fullname} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if conflicts:
        sql += f" ON CONFLICT ({', '.join(conflicts)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return sql


async def execute_count(session: AsyncSession, statement: Executable) -> int:
    """Execute a write and return how many rows it touched."""
    result = await session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware timestamp stored in UTC on every backend.

    SQLite keeps no zone and would silently drop an offset, so values are normalised to UTC on
    the way in and come back aware on the way out; a naive value is a bug and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
