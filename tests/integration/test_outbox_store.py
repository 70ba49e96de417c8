"""The outbox store on the real MongoDB-wire server: written once, published once, re-sent only
while no marker says the broker acknowledged it."""

from __future__ import annotations

import asyncio

import pytest

from services.coding.adapters.repository import CodingRecords
from shared.messaging import Outgoing, RecordingPublisher
from shared.mongo import async_database
from shared.outbox import OutboxStore, Record

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


def test_records_are_written_once_and_a_redelivery_of_published_ones_re_sends_nothing(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario(store: OutboxStore) -> tuple:
        first, again = RecordingPublisher(), RecordingPublisher()
        new = await store.save_and_publish(records(unique, 3), first)
        redelivered = await store.save_and_publish(records(unique, 3, status="changed"), again)
        return new, redelivered, first.sent, again.sent, await store.get(f"{unique}-0")

    new, redelivered, first, again, doc = asyncio.run(with_store(settings, unique, scenario))
    assert len(new) == 3 and redelivered == set()
    assert sorted(m.key for m in first) == [f"{unique}-{n}" for n in range(3)] and again == []
    assert doc["status"] == "new"


def test_events_left_pending_by_a_crash_are_sent_exactly_once_on_redelivery(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario(store: OutboxStore) -> tuple:
        await store.save(records(unique, 2))  # the worker died before publishing
        publisher = RecordingPublisher()
        await store.save_and_publish(records(unique, 2), publisher)
        await store.save_and_publish(records(unique, 2), publisher)
        return sorted(m.key for m in publisher.sent)

    assert asyncio.run(with_store(settings, unique, scenario)) == [f"{unique}-0", f"{unique}-1"]


def test_a_batch_of_published_pending_and_new_records_sends_the_pending_and_the_new(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario(store: OutboxStore) -> tuple:
        await store.save_and_publish(records(f"{unique}-done", 2), RecordingPublisher())
        await store.save(records(f"{unique}-pending", 2))
        publisher = RecordingPublisher()
        batch = records(f"{unique}-done", 2) + records(f"{unique}-pending", 2) + records(f"{unique}-new", 1)
        await store.save_and_publish(batch, publisher)
        markers = await store.published.count_documents({})
        return sorted(m.key for m in publisher.sent), markers

    sent, markers = asyncio.run(with_store(settings, unique, scenario))
    assert sent == [f"{unique}-new-0", f"{unique}-pending-0", f"{unique}-pending-1"] and markers == 5


def test_a_record_replaced_by_a_later_event_has_its_new_events_pending(settings, unique) -> None:  # type: ignore[no-untyped-def]
    key = f"{unique}-0"

    def coded(event_id: str) -> Record:
        return {"_id": key, "event_id": event_id, "status": "coded"}, [Outgoing(topic="t", key=key, value=event_id)]

    async def scenario(store: OutboxStore) -> list[str]:
        records = CodingRecords(store.collection)
        await records.save_and_publish([coded("e1")], RecordingPublisher())
        assert await records.replace(key, "e1", coded("e2"))  # the worker dies before publishing
        publisher = RecordingPublisher()
        await records.save_and_publish([coded("e1")], publisher)
        await records.save_and_publish([coded("e1")], publisher)
        return [m.value for m in publisher.sent]

    assert asyncio.run(with_store(settings, unique, scenario)) == ["e2"]


@pytest.mark.timeout(120)
def test_a_large_redelivered_batch_completes(settings, unique) -> None:  # type: ignore[no-untyped-def]
    """FerretDB 1.24 deadlocks on one command with more than ~100 matched updates; writes are chunked."""

    async def scenario(store: OutboxStore) -> int:
        batch = records(unique, 300)
        await store.save(batch)
        publisher = RecordingPublisher()
        await store.save_and_publish(batch, publisher)
        await store.save_and_publish(batch, publisher)
        return len(publisher.sent)

    assert asyncio.run(with_store(settings, unique, scenario)) == 300
