"""The transactional-outbox pattern on one MongoDB document (no multi-document transactions).

A record and the events it causes are written in one document write: `outbox` holds the
messages not yet acknowledged by the broker and `published` says whether it is empty. Redelivery finds the
document already there (same `_id`, derived from the event key) and only re-sends what is pending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.messaging import Outgoing, Publisher


def insert_once(doc: dict[str, Any], outbox: Sequence[Outgoing]) -> UpdateOne:
    """An upsert that writes the record and its outbox only if `_id` is new."""
    body = {**doc, "outbox": [message.model_dump() for message in outbox], "published": not outbox}
    return UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": body}, upsert=True)


async def write_once(collection: AsyncCollection, docs: Iterable[tuple[dict[str, Any], Sequence[Outgoing]]]) -> None:
    operations = [insert_once(doc, outbox) for doc, outbox in docs]
    if operations:
        await collection.bulk_write(operations, ordered=False)


async def flush_outbox(collection: AsyncCollection, publisher: Publisher, ids: Sequence[str]) -> int:
    """Publish the pending outbox of these records, then mark them published. Returns messages sent."""
    pending = await collection.find({"_id": {"$in": list(ids)}, "published": False}, {"outbox": 1}).to_list(None)
    messages = [Outgoing(**message) for doc in pending for message in doc["outbox"]]
    if messages:
        await publisher.publish(messages)
        sent_ids = [doc["_id"] for doc in pending]
        await collection.update_many({"_id": {"$in": sent_ids}}, {"$set": {"published": True, "outbox": []}})
    return len(messages)


async def append_to_outbox(collection: AsyncCollection, record_id: str, update: dict[str, Any], outbox: Sequence[Outgoing]) -> None:
    """Change a record and queue the events that change causes, in one document write."""
    changes: dict[str, Any] = {"$set": {**update, "published": False}}
    changes["$push"] = {"outbox": {"$each": [message.model_dump() for message in outbox]}}
    await collection.update_one({"_id": record_id}, changes)


class OutboxStore:
    """One collection of records keyed by the event key, each carrying its own outbox."""

    def __init__(self, collection: AsyncCollection) -> None:
        self.collection = collection

    async def known(self, keys: Sequence[str]) -> set[str]:
        docs = await self.collection.find({"_id": {"$in": list(keys)}}, {"_id": 1}).to_list(None)
        return {doc["_id"] for doc in docs}

    async def save(self, records: Sequence[tuple[dict[str, Any], Sequence[Outgoing]]]) -> None:
        await write_once(self.collection, records)

    async def flush(self, keys: Sequence[str], publisher: Publisher) -> int:
        return await flush_outbox(self.collection, publisher, keys)

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key}, {"outbox": 0})

    async def with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        return await self.collection.find({"status": status}, {"outbox": 0}).to_list(limit)


class InMemoryOutboxStore:
    """The same behaviour in memory, for unit tests."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def known(self, keys: Sequence[str]) -> set[str]:
        return {key for key in keys if key in self.docs}

    async def save(self, records: Sequence[tuple[dict[str, Any], Sequence[Outgoing]]]) -> None:
        for doc, outbox in records:
            self.docs.setdefault(doc["_id"], {**doc, "outbox": list(outbox), "published": not outbox})

    async def flush(self, keys: Sequence[str], publisher: Publisher) -> int:
        pending = [self.docs[k] for k in keys if k in self.docs and not self.docs[k]["published"]]
        messages = [message for doc in pending for message in doc["outbox"]]
        if messages:
            await publisher.publish(messages)
        for doc in pending:
            doc.update(published=True, outbox=[])
        return len(messages)

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.docs.get(key)

    async def with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        return [doc for doc in self.docs.values() if doc.get("status") == status][:limit]
