"""The transactional-outbox pattern on one MongoDB document (no multi-document transactions).

A record and the events it causes are written in one document write: `outbox` holds those
events. New records are inserted (first write wins: the `_id` is the event key) and their events
published from memory; a redelivered record finds its document and re-publishes the stored
events, which every consumer absorbs because all of them are idempotent by key. Offsets are
committed only after this returns, so no effect is lost and none is applied twice.

Records are not updated after publishing: on FerretDB's SQLite backend each matched update costs
milliseconds while a batch insert costs microseconds per document, and the stored outbox doubles
as the record of what this step announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from shared.messaging import Outgoing, Publisher
from shared.mongo import Document, find_by_ids, insert_new

Record = tuple[dict[str, Any], Sequence[Outgoing]]


def stored(doc: dict[str, Any], outbox: Sequence[Outgoing]) -> dict[str, Any]:
    return {**doc, "outbox": [message.model_dump() for message in outbox]}


class OutboxStore:
    """One collection of records keyed by the event key, each carrying the events it caused."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def known(self, keys: Sequence[str]) -> set[str]:
        return set(await find_by_ids(self.collection, keys, {"_id": 1}))

    async def save(self, records: Sequence[Record]) -> set[str]:
        """Insert the records whose `_id` is new; return those ids."""
        inserted = await insert_new(self.collection, [stored(doc, outbox) for doc, outbox in records])
        return {str(record_id) for record_id in inserted}

    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]:
        """Insert new records and publish their events; re-publish the stored events of
        redelivered ones. Returns the ids that were new."""
        inserted = await self.save(records)
        fresh = [message for doc, outbox in records if doc["_id"] in inserted for message in outbox]
        redelivered = await self.stored_outbox([doc["_id"] for doc, _ in records if doc["_id"] not in inserted])
        if fresh or redelivered:
            await publisher.publish(fresh + redelivered)
        return inserted

    async def stored_outbox(self, ids: Sequence[str]) -> list[Outgoing]:
        docs = await find_by_ids(self.collection, ids, {"outbox": 1})
        return [Outgoing(**message) for doc in docs.values() for message in doc.get("outbox", [])]

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": key}, {"outbox": 0})


class InMemoryOutboxStore:
    """The same behaviour in memory, for unit tests."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def known(self, keys: Sequence[str]) -> set[str]:
        return {key for key in keys if key in self.docs}

    async def save(self, records: Sequence[Record]) -> set[str]:
        inserted = {doc["_id"] for doc, _ in records if doc["_id"] not in self.docs}
        for doc, outbox in records:
            self.docs.setdefault(doc["_id"], {**doc, "outbox": list(outbox)})
        return inserted

    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]:
        inserted = await self.save(records)
        messages = [m for key in dict.fromkeys(doc["_id"] for doc, _ in records) for m in self.docs[key]["outbox"]]
        if messages:
            await publisher.publish(messages)
        return inserted

    async def stored_outbox(self, ids: Sequence[str]) -> list[Outgoing]:
        return [message for key in ids if key in self.docs for message in self.docs[key]["outbox"]]

    async def get(self, key: str) -> dict[str, Any] | None:
        doc = self.docs.get(key)
        return {k: v for k, v in doc.items() if k != "outbox"} if doc else None
