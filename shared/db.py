"""Database helpers: one async engine per service, on PostgreSQL (asyncpg) or SQLite (aiosqlite).

Every service declares its tables in its own schema. On PostgreSQL that schema is real; on
SQLite each service has its own file and the schema name is translated away.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    CursorResult,
    DateTime,
    Dialect,
    Executable,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    event,
    func,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
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

    On PostgreSQL the rows travel as one typed array per column and the server unnests them
    (``INSERT … SELECT … FROM unnest(:a, :b, …)``): one round trip and one bound value per
    column, so no per-row work in SQLAlchemy, which is most of a batch's cost otherwise.
    Values pass the column type's own checks (UtcDateTime refuses a naive time), JSON as text.
    Returned rows are SQLAlchemy's, read by attribute. ``skip_conflicts_on``: ON CONFLICT
    (those columns) DO NOTHING.
    """
    if not rows:
        return []
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
    columns = tuple(rows[0])
    unnesting = _unnest_insert(table, columns, tuple(returning), tuple(skip_conflicts_on))
    arrays = {name: _array(table, name, rows) for name in columns}
    # Core's execute, on the session's connection and in its transaction: the session's own
    # adds ORM work per statement that this plain INSERT does not need.
    result = await (await session.connection()).execute(unnesting, arrays)
    return list(result.all()) if returning else []


def _plain_type(table: Table, name: str) -> TypeEngine[Any]:
    column_type = table.c[name].type
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def _is_json(table: Table, name: str) -> bool:
    return isinstance(_plain_type(table, name), JSON)


def _array(table: Table, name: str, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """A column's values; JSON encoded here (once: a ``JsonText`` is already), the rest go
    through the column type's own bind processing, element by element, in SQLAlchemy."""
    values = [row[name] for row in rows]
    if _is_json(table, name):
        return [
            value if value is None or isinstance(value, JsonText) else json.dumps(value)
            for value in values
        ]
    return values


@functools.cache
def _unnest_insert(
    table: Table, columns: tuple[str, ...], returning: tuple[str, ...], conflicts: tuple[str, ...]
) -> Executable:
    """The statement for these columns, built once (SQLAlchemy caches its compiled form too).

    Each column's values are one bound array of the column's type, JSON's as text arrays cast
    to JSON row by row (the values are encoded already)."""

    def array(name: str) -> ColumnElement[Any]:
        item_type = Text() if _is_json(table, name) else table.c[name].type
        array_type = postgresql.ARRAY(item_type)
        return sql_cast(bindparam(name, type_=array_type), array_type)

    unnested = func.unnest(*(array(name) for name in columns)).table_valued(*columns)
    unnested = unnested.render_derived()
    values = select(
        *(
            sql_cast(unnested.c[name], _plain_type(table, name))
            if _is_json(table, name)
            else unnested.c[name]
            for name in columns
        )
    )
    insert = postgresql.insert(table).from_select(list(columns), values)
    if conflicts:
        insert = insert.on_conflict_do_nothing(index_elements=list(conflicts))
    if returning:
        return insert.returning(*(table.c[name] for name in returning))
    return insert


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
