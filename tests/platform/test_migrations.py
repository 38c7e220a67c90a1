"""Each service's Alembic history builds exactly the tables its code declares."""

from __future__ import annotations

import importlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData

from services.cli import migrate_services, schema_of
from shared.db import create_engine
from shared.migrations import managed_names
from shared.settings import SERVICES, Settings


async def test_migrations_match_the_declared_tables(settings: Settings) -> None:
    await migrate_services(settings, SERVICES)  # the console's too, which tests seldom need
    for service in SERVICES:
        metadata = importlib.import_module(f"services.{service}.tables").metadata
        engine = create_engine(settings.database_url_for(service), schema_of(service))

        def diff(connection: Connection, metadata: MetaData = metadata) -> list[object]:
            sqlite = connection.dialect.name == "sqlite"
            target = metadata
            if sqlite:  # one file per service there, so the tables have no schema
                target = MetaData(naming_convention=metadata.naming_convention)
                for table in metadata.sorted_tables:
                    table.to_metadata(target, schema=None)
            managed = managed_names(metadata)
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_schemas": not sqlite,
                    "compare_type": True,
                    "version_table_schema": None if sqlite else metadata.schema,
                    # Objects migrations build by hand (full-text search) are left out.
                    "include_name": lambda name, kind, parents: (
                        (kind != "schema" or name == target.schema) and managed(name, kind, parents)
                    ),
                },
            )
            return list(compare_metadata(context, target))

        try:
            async with engine.connect() as connection:
                differences = await connection.run_sync(diff)
        finally:
            await engine.dispose()
        assert differences == [], f"{service}: tables and migrations differ: {differences}"
