"""A PostgreSQL database of its own for one benchmark run, so runs never collide."""

from __future__ import annotations

import os
import uuid

import asyncpg

ADMIN = os.environ.get("SVIFTDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


async def create_database() -> tuple[str, str]:
    """A new empty database: its name and its SQLAlchemy (asyncpg) URL."""
    name = f"sviftdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
