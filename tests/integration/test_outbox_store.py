"""The outbox store on the real MongoDB-wire server, beyond the port's contract suite
(test_store_contracts.py): a replaced record's events go out again, and a large redelivered batch
completes on FerretDB."""

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
