"""The outbox store on the real MongoDB-wire server, beyond the port's contract suite
(test_store_contracts.py): a large redelivered batch completes on FerretDB."""

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
