"""The fast tier: a service's use cases on a bare SQLite unit of work.

A service's migrations run once per test run into a template file; each test works on a copy
of it, through a real ``shared.outbox.Outbox``, with no bus, no relay and no HTTP. A test
calls a use case (or a handler) with a ``UnitOfWork`` and reads what it staged; tests mark
themselves ``@pytest.mark.fast`` and ``make test-fast`` runs them alone, in seconds.
"""

from __future__ import annotations

import importlib
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cli import migrations_dir
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.db import Database
from shared.migrations import upgrade
from shared.outbox import Outbox
from shared.runtime import event_source
from shared.unit_of_work import UnitOfWork
from tests.events import envelope


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def migrated_copy(service: str, directory: Path, templates: Path) -> Path:
    """A file with ``service``'s schema at head, copied from the template of it in
    ``templates``, which the first call migrates (once per run and xdist worker)."""
    metadata = tables_of(service)
    assert metadata.schema is not None
    template = templates / f"{service}.db"
    if not template.exists():
        partial = templates / f"{service}.partial.db"
        await upgrade(_sqlite_url(partial), metadata.schema, migrations_dir(service))
        partial.rename(template)
    copy = directory / f"{service}.db"
    shutil.copyfile(template, copy)
    return copy


def tables_of(service: str) -> MetaData:
    metadata: MetaData = importlib.import_module(f"services.{service}.tables").metadata
    return metadata


@dataclass
class BareService:
    """A service's database and outbox, and nothing else of its runtime."""

    name: str
    metadata: MetaData
    db: Database
    outbox: Outbox

    @classmethod
    @asynccontextmanager
    async def open(cls, service: str, path: Path) -> AsyncIterator[BareService]:
        metadata = tables_of(service)
        assert metadata.schema is not None
        db = Database.connect(_sqlite_url(path), metadata.schema)
        outbox = Outbox(metadata.tables[f"{metadata.schema}.outbox"])
        try:
            yield cls(service, metadata, db, outbox)
        finally:
            await db.dispose()

    @asynccontextmanager
    async def unit(
        self, *, handling: CloudEvent | None = None, correlation_id: str = "fast-test"
    ) -> AsyncIterator[UnitOfWork]:
        """A unit of work committed when the block ends, as a route's or a worker's is; with
        ``handling``, the unit the inbox gives a handler for that event."""
        async with self.db.transaction() as session:
            yield UnitOfWork(
                session,
                self.outbox,
                event_source(self.name),
                handling.correlationid if handling and handling.correlationid else correlation_id,
                event_id=handling.id if handling else None,
                event=handling,
            )

    @asynccontextmanager
    async def handling(
        self,
        payload: EventPayload,
        *,
        subject: uuid.UUID | str | None = None,
        correlation_id: str | None = None,
    ) -> AsyncIterator[UnitOfWork]:
        """The unit the inbox opens to hand ``payload`` (as its producer sent it) to a handler."""
        event = envelope(payload, subject=subject, correlation_id=correlation_id)
        async with self.unit(handling=event) as uow:
            yield uow

    async def staged(self, event_type: str | None = None) -> list[CloudEvent]:
        """The events committed units staged, oldest first (of one type, if given)."""
        async with self.db.sessions() as session:
            return await staged_in(session, self.outbox, event_type)


async def staged_in(
    session: AsyncSession, outbox: Outbox, event_type: str | None = None
) -> list[CloudEvent]:
    query = select(outbox.table.c.envelope).order_by(outbox.table.c.id)
    if event_type is not None:
        query = query.where(outbox.table.c.event_type == event_type)
    return [CloudEvent.model_validate(row) for row in (await session.execute(query)).scalars()]


async def staged(uow: UnitOfWork, event_type: str | None = None) -> list[CloudEvent]:
    """What this unit (and the units committed before it) staged, oldest first."""
    return await staged_in(uow.session, uow.outbox, event_type)
