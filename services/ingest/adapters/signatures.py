"""The replay guard: `telebill_ingest.signatures`, `_id` = SHA-256 of a request's signature.

A signature is good for one request: the first insert of its `_id` wins, a second is a replay. Only
signatures younger than the timestamp window can still be replayed (older ones are stale anyway), so
older entries are deleted now and then, which keeps the collection to a few minutes of requests.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.ingest.adapters.accepted import bounded
from shared.mongo import Document

COLLECTION = "signatures"


class MongoSeenSignatures:
    def __init__(self, database: AsyncDatabase[Document], window_seconds: int, timeout_seconds: float) -> None:
        self.collection = database[COLLECTION]
        self.window, self.timeout = timedelta(seconds=window_seconds), timeout_seconds
        self.pruned_at: datetime | None = None

    async def first_time(self, digest: str, at: datetime) -> bool:
        await self.prune(at)
        return await bounded(self.inserted({"_id": digest, "at": at}), self.timeout)

    async def inserted(self, doc: Document) -> bool:
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def prune(self, now: datetime) -> None:
        if self.pruned_at is not None and now - self.pruned_at < self.window:
            return
        self.pruned_at = now
        await bounded(self.collection.delete_many({"at": {"$lt": now - 2 * self.window}}), self.timeout)


class InMemorySeenSignatures:
    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}

    async def first_time(self, digest: str, at: datetime) -> bool:
        if digest in self.seen:
            return False
        self.seen[digest] = at
        return True
