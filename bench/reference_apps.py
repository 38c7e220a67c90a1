"""The two references `bench_intake.py` measures intake against, in the same run.

- ``ceiling``: a bare FastAPI endpoint taking the same pydantic body and storing nothing.
- ``orm``: what a newcomer would write — FastAPI and a SQLAlchemy ORM insert of one row.
- ``page``: a bare FastAPI page rendering a Jinja2 table of 50 rows, calling nothing
  (`bench_console.py` measures the console's pages against it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy import String, Text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.intake.tickets.schemas import TicketCreate


def ceiling() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/tickets", status_code=201)
    async def create(body: TicketCreate) -> dict[str, str]:
        return {"id": str(uuid.uuid4())}

    return app


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "bench_ticket"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


def orm() -> FastAPI:
    engine = create_async_engine(os.environ["BENCH_ORM_URL"], pool_size=20)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/tickets", status_code=201)
    async def create(body: TicketCreate) -> dict[str, str]:
        async with sessions() as session:
            ticket = Ticket(email=body.customer.email, subject=body.subject, body=body.body)
            session.add(ticket)
            await session.commit()
            return {"id": str(ticket.id)}

    return app


PAGE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Очередь</title>
<link rel="stylesheet" href="/static/console.css"></head><body><main><h1>Очередь</h1>
<table><thead><tr><th>Номер</th><th>Тема</th><th>Клиент</th><th>Ожидает</th></tr></thead>
<tbody>{% for row in rows %}<tr><td><a href="/tickets/{{ row.id }}">{{ row.number }}</a></td>
<td>{{ row.subject }}</td><td>{{ row.email }}</td><td>{{ row.age }}</td></tr>{% endfor %}
</tbody></table></main></body></html>"""
)


def page() -> FastAPI:
    app = FastAPI()
    rows = [
        {
            "id": uuid.uuid4(),
            "number": f"SC-{n:06d}",
            "subject": f"Не проходит оплата заказа {n}",
            "email": f"c{n}@example.com",
            "age": f"{n} ч",
        }
        for n in range(50)
    ]

    @app.get("/page", response_class=HTMLResponse)
    async def render() -> str:
        return PAGE.render(rows=rows)

    return app
