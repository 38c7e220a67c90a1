"""Alembic, one migration history per service, run by ``sviftdesk migrate``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from shared.db import create_engine


def alembic_config(migrations_dir: Path, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


NameFilter = Callable[[str | None, str, Mapping[str, str | None]], bool]


def managed_names(metadata: MetaData) -> NameFilter:
    """An Alembic ``include_name`` that leaves out what ``metadata.info["unmanaged"]`` names:
    objects that migrations build by hand because table metadata cannot express them (a
    generated tsvector column, an FTS5 table). Entries are ``table``, ``table.column`` or an
    index name; a table's entry also covers the shadow tables named after it (``table_*``)."""
    unmanaged: frozenset[str] = metadata.info.get("unmanaged", frozenset())

    def include(name: str | None, kind: str, parents: Mapping[str, str | None]) -> bool:
        if name is None:
            return True
        if kind == "table":
            return not any(name == u or name.startswith(f"{u}_") for u in unmanaged)
        if kind == "column":
            return f"{parents.get('table_name')}.{name}" not in unmanaged
        return name not in unmanaged

    return include


def run_migrations(context: Any, metadata: MetaData) -> None:
    """The body of every service's ``env.py``: online migrations on the given connection."""
    connection: Connection = context.config.attributes["connection"]
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=None if sqlite else metadata.schema,
        include_schemas=not sqlite,
        render_as_batch=sqlite,
        compare_type=True,
        include_name=managed_names(metadata),
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(url: str, schema: str, migrations_dir: Path, revision: str = "head") -> None:
    engine = create_engine(url, schema)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

            def run(sync_conn: Connection) -> None:
                command.upgrade(alembic_config(migrations_dir, sync_conn), revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def create_outbox(schema: str) -> None:
    """The outbox table, as ``shared.outbox.outbox_table`` declares it."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )


def create_inbox(schema: str) -> None:
    """The inbox table, as ``shared.inbox.inbox_table`` declares it."""
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_inbox"),
        schema=schema,
    )


def create_retention_indexes(schema: str) -> None:
    """What the purge of old outbox and inbox rows reads by (``ServiceRuntime.purge_expired``)."""
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"], schema=schema)
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"], schema=schema)


def drop_retention_indexes(schema: str) -> None:
    op.drop_index("ix_inbox_processed_at", table_name="inbox", schema=schema)
    op.drop_index("ix_outbox_published_at", table_name="outbox", schema=schema)


def create_revocations(schema: str) -> None:
    """The revoked credentials a service heard of, as ``shared.revocation`` declares them."""
    op.create_table(
        "revoked_credential",
        sa.Column("subject", sa.Uuid(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_revoked_credential"),
        schema=schema,
    )
