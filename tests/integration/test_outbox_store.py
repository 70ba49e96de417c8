"""The outbox store on the real MongoDB-wire server: written once, published once."""

from __future__ import annotations

import asyncio

import pytest

from shared.messaging import Outgoing, RecordingPublisher
from shared.mongo import async_database
from shared.outbox import OutboxStore

pytestmark = pytest.mark.integration


def test_record_and_outbox_are_written_once_and_published_once(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[int, int, int, dict]:
        store = OutboxStore(async_database(settings, f"test_{unique}")["records"])
        message = Outgoing(topic="t", key=f"k-{unique}", value="{}")
        await store.save([({"_id": unique, "status": "new"}, [message])])
        await store.save([({"_id": unique, "status": "changed"}, [message, message])])  # a redelivery
        publisher = RecordingPublisher()
        first = await store.flush([unique], publisher)
        second = await store.flush([unique], publisher)
        doc = await store.get(unique)
        await store.collection.database.client.drop_database(f"{settings.db_prefix}_test_{unique}")
        return first, second, len(publisher.sent), doc or {}

    first, second, sent, doc = asyncio.run(scenario())
    assert (first, second, sent) == (1, 0, 1)
    assert doc["status"] == "new" and doc["published"] is True


def test_a_record_without_events_needs_no_publishing(settings, unique) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> int:
        store = OutboxStore(async_database(settings, f"test_{unique}")["records"])
        await store.save([({"_id": unique, "status": "held"}, [])])
        sent = await store.flush([unique], RecordingPublisher())
        held = await store.with_status("held")
        await store.collection.database.client.drop_database(f"{settings.db_prefix}_test_{unique}")
        return sent if [d["_id"] for d in held] == [unique] else -1

    assert asyncio.run(scenario()) == 0
