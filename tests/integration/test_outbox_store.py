"""The outbox store on the real MongoDB-wire server: written once, published once."""

from __future__ import annotations

import asyncio

import pytest

from shared.messaging import Outgoing, RecordingPublisher
from shared.mongo import async_database
from shared.outbox import OutboxStore

pytestmark = pytest.mark.integration


def records(prefix: str, count: int, status: str = "new") -> list:
    return [
        ({"_id": f"{prefix}-{n}", "status": status}, [Outgoing(topic="t", key=f"{prefix}-{n}", value="{}")])
        for n in range(count)
    ]


async def with_store(settings, unique, scenario):  # type: ignore[no-untyped-def]
    db = async_database(settings, f"test_{unique}")
    try:
        return await scenario(OutboxStore(db["records"]))
    finally:
        await db.client.drop_database(db.name)


def test_records_are_written_once_and_a_redelivery_repeats_the_same_events(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario(store: OutboxStore) -> tuple:
        first, again = RecordingPublisher(), RecordingPublisher()
        new = await store.save_and_publish(records(unique, 3), first)
        redelivered = await store.save_and_publish(records(unique, 3, status="changed"), again)
        return new, redelivered, first.sent, again.sent, await store.get(f"{unique}-0")

    new, redelivered, first, again, doc = asyncio.run(with_store(settings, unique, scenario))
    assert len(new) == 3 and redelivered == set()
    assert sorted(m.key for m in again) == sorted(m.key for m in first)
    assert doc["status"] == "new"


def test_events_left_pending_by_a_crash_are_sent_on_redelivery(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario(store: OutboxStore) -> tuple:
        await store.save(records(unique, 2))  # the worker died before publishing
        publisher = RecordingPublisher()
        await store.save_and_publish(records(unique, 2), publisher)
        return sorted(m.key for m in publisher.sent)

    assert asyncio.run(with_store(settings, unique, scenario)) == [f"{unique}-0", f"{unique}-1"]


@pytest.mark.timeout(120)
def test_a_large_redelivered_batch_completes(settings, unique) -> None:  # type: ignore[no-untyped-def]
    """FerretDB 1.24 deadlocks on one command with more than ~100 matched updates; writes are chunked."""

    async def scenario(store: OutboxStore) -> int:
        batch = records(unique, 300)
        await store.save(batch)
        publisher = RecordingPublisher()
        await store.save_and_publish(batch, publisher)
        return len(publisher.sent)

    assert asyncio.run(with_store(settings, unique, scenario)) == 300
