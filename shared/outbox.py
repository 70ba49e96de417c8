"""The transactional-outbox pattern on one MongoDB document (no multi-document transactions).

A record and the events it causes are written in one document write: `outbox` holds the
messages not yet acknowledged by the broker and `published` says whether it is empty.
Redelivery finds the document already there (same `_id`, the event key) and only re-sends
what is still pending, so effects happen once however often a record is consumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.messaging import Outgoing, Publisher
from shared.mongo import bulk_write_safely, find_by_ids

Record = tuple[dict[str, Any], Sequence[Outgoing]]


def insert_once(doc: dict[str, Any], outbox: Sequence[Outgoing]) -> UpdateOne:
    """An upsert that writes the record and its outbox only if `_id` is new."""
    body = {**doc, "outbox": [message.model_dump() for message in outbox], "published": not outbox}
    return UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": body}, upsert=True)


def mark_published(record_id: str) -> UpdateOne:
    return UpdateOne({"_id": record_id, "published": False}, {"$set": {"published": True, "outbox": []}})


class OutboxStore:
    """One collection of records keyed by the event key, each carrying its own outbox."""

    def __init__(self, collection: AsyncCollection) -> None:
        self.collection = collection

    async def known(self, keys: Sequence[str]) -> set[str]:
        return set(await find_by_ids(self.collection, keys, {"_id": 1}))

    async def save(self, records: Sequence[Record]) -> set[str]:
        """Write the records that are new, with their outbox; return their ids."""
        inserted = await bulk_write_safely(self.collection, [insert_once(doc, outbox) for doc, outbox in records])
        return {str(record_id) for record_id in inserted}

    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]:
        """Write new records with their outbox, publish what is pending for all of them (new ones
        from memory, redelivered ones from their stored outbox), then mark them published.
        Returns the ids that were new."""
        inserted = await self.save(records)
        fresh = {doc["_id"]: list(outbox) for doc, outbox in records if doc["_id"] in inserted and outbox}
        pending = await self.pending([doc["_id"] for doc, _ in records if doc["_id"] not in inserted])
        await self.send({**pending, **fresh}, publisher)
        return inserted

    async def publish_pending(self, ids: Sequence[str], publisher: Publisher) -> None:
        await self.send(await self.pending(ids), publisher)

    async def send(self, outboxes: dict[str, list[Outgoing]], publisher: Publisher) -> None:
        if outboxes:
            await publisher.publish([message for messages in outboxes.values() for message in messages])
            await bulk_write_safely(self.collection, [mark_published(record_id) for record_id in outboxes])

    async def pending(self, ids: Sequence[str]) -> dict[str, list[Outgoing]]:
        docs = await find_by_ids(self.collection, ids, {"outbox": 1, "published": 1})
        return {key: [Outgoing(**m) for m in doc["outbox"]] for key, doc in docs.items() if not doc["published"] and doc["outbox"]}

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

    async def save(self, records: Sequence[Record]) -> set[str]:
        inserted = {doc["_id"] for doc, _ in records if doc["_id"] not in self.docs}
        for doc, outbox in records:
            self.docs.setdefault(doc["_id"], {**doc, "outbox": list(outbox), "published": not outbox})
        return inserted

    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]:
        inserted = await self.save(records)
        await self.publish_pending([doc["_id"] for doc, _ in records], publisher)
        return inserted

    async def publish_pending(self, ids: Sequence[str], publisher: Publisher) -> None:
        pending = [self.docs[key] for key in dict.fromkeys(ids) if key in self.docs and not self.docs[key]["published"]]
        messages = [message for doc in pending for message in doc["outbox"]]
        if messages:
            await publisher.publish(messages)
        for doc in pending:
            doc.update(published=True, outbox=[])

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.docs.get(key)

    async def with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        return [doc for doc in self.docs.values() if doc.get("status") == status][:limit]

