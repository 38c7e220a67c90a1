"""Old outbox and inbox rows are purged; an event not yet published never is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tests.support import System, eventually, ticket_body


async def test_old_published_events_and_processed_ids_are_purged_unpublished_kept(
    system: System,
) -> None:
    for n in range(3):
        created = await system.intake.post("/v1/tickets", json=ticket_body(f"c{n}@example.com"))
        assert created.status_code == 201, created.text
    intake, notifier = system.runtime("intake"), system.runtime("notifier")
    outbox, inbox = intake.outbox.table, notifier.inbox.table

    await eventually(lambda: system.unpublished("intake"), lambda n: n == 0)
    await eventually(lambda: system.count_rows("notifier", "inbox"), lambda n: n >= 3)
    assert await system.count_rows("intake", "outbox") == 3

    now = datetime.now(UTC)
    long_ago = now - timedelta(hours=intake.settings.bus.outbox_retention_hours + 1)
    async with intake.db.transaction() as session:
        ids = [row.id for row in await session.execute(select(outbox.c.id).order_by(outbox.c.id))]
        # The first: published long ago. The second: never published (the broker was away
        # all this time), created long ago. The third: published just now.
        await session.execute(
            update(outbox).where(outbox.c.id == ids[0]).values(published_at=long_ago)
        )
        await session.execute(
            update(outbox)
            .where(outbox.c.id == ids[1])
            .values(published_at=None, created_at=long_ago)
        )
    async with notifier.db.transaction() as session:
        oldest = (await session.execute(select(inbox.c.event_id).limit(1))).scalar_one()
        await session.execute(
            update(inbox)
            .where(inbox.c.event_id == oldest)
            .values(
                processed_at=now - timedelta(days=notifier.settings.bus.inbox_retention_days + 1)
            )
        )

    # The relay would publish the second at once; purge as if it had not had the chance.
    assert await intake.purge_expired(now) == (1, 0)
    async with intake.db.sessions() as session:
        left = {row.id for row in await session.execute(select(outbox.c.id))}
    assert left == {ids[1], ids[2]}
    before = await system.count_rows("notifier", "inbox")
    assert await notifier.purge_expired(now) == (0, 1)
    assert await system.count_rows("notifier", "inbox") == before - 1
    # Run again: nothing more is due.
    assert await intake.purge_expired(now) == (0, 0)


async def test_idempotency_keys_are_forgotten_after_their_retention(system: System) -> None:
    intake = system.runtime("intake")
    table = intake.metadata.tables["intake.idempotency_key"]
    for key in ("old", "new"):
        answer = await system.intake.post(
            "/v1/tickets", json=ticket_body(f"{key}@example.com"), headers={"Idempotency-Key": key}
        )
        assert answer.status_code == 201, answer.text
    now = datetime.now(UTC)
    long_ago = now - timedelta(hours=intake.settings.limits.idempotency_retention_hours + 1)
    async with intake.db.transaction() as session:
        await session.execute(update(table).where(table.c.key == "old").values(created_at=long_ago))

    assert (await intake.purge_own(now))["idempotency_keys"] == 1
    assert (await intake.purge_own(now))["idempotency_keys"] == 0
    # The recent key still answers a retry with its ticket; the old one is a new request now.
    again = await system.intake.post(
        "/v1/tickets", json=ticket_body("new@example.com"), headers={"Idempotency-Key": "new"}
    )
    assert again.status_code == 201
    assert await system.count_rows("intake", "ticket") == 2
    await system.intake.post(
        "/v1/tickets", json=ticket_body("old@example.com"), headers={"Idempotency-Key": "old"}
    )
    assert await system.count_rows("intake", "ticket") == 3
