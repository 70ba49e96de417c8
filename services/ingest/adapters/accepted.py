"""What ingest has accepted, by key: `telebill_ingest.accepted`, `_id` = `source:encounter_id`.

Documents: `{_id: key, digest, event_id, accepted_at}`. Reads go by `_id` only (the one filter
FerretDB answers from an index), one concurrent lookup per key; writes are one unordered insert
per request where the first write of a key wins. No index but `_id`. Every call is bounded by a
timeout, and an unreachable database is `Unavailable`, never a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import TypeVar

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from services.ingest.domain.idempotency import Accepted
from services.ingest.handlers.ports import Unavailable
from shared.mongo import Document, find_by_ids, insert_new

COLLECTION = "accepted"
DATABASE = "database"
T = TypeVar("T")


def document(accepted: Accepted) -> Document:
    return {
        "_id": accepted.key,
        "digest": accepted.digest,
        "event_id": accepted.event_id,
        "accepted_at": accepted.accepted_at,
    }


def from_document(doc: Document) -> Accepted:
    return Accepted(doc["_id"], doc["digest"], doc["event_id"], doc["accepted_at"])


async def bounded(call: Awaitable[T], timeout: float) -> T:
    """A database call that answers within `timeout` or is `Unavailable` (503, retry later)."""
    try:
        return await asyncio.wait_for(call, timeout)
    except TimeoutError as error:
        raise Unavailable(DATABASE, f"no answer within {timeout:g}s") from error
    except PyMongoError as error:
        raise Unavailable(DATABASE, type(error).__name__) from error


class MongoAcceptedStore:
    def __init__(self, database: AsyncDatabase[Document], timeout_seconds: float) -> None:
        self.database, self.timeout = database, timeout_seconds
        self.collection = database[COLLECTION]

    async def find(self, keys: Sequence[str]) -> dict[str, Accepted]:
        docs = await self.bounded(find_by_ids(self.collection, keys))
        return {key: from_document(doc) for key, doc in docs.items()}

    async def record(self, accepted: Sequence[Accepted]) -> set[str]:
        return {str(key) for key in await self.bounded(insert_new(self.collection, [document(a) for a in accepted]))}

    async def accepted_before(self, before: datetime, limit: int) -> list[str]:
        """Keys accepted before `before`, oldest first. A scan (FerretDB indexes only `_id`): an
        operator's occasional read for `telebill reconcile`, never on the request path."""
        cursor = self.collection.find({"accepted_at": {"$lt": before}}, {"accepted_at": 1})
        docs = await self.bounded(cursor.to_list(None))
        return [doc["_id"] for doc in sorted(docs, key=lambda doc: doc["accepted_at"])[:limit]]

    async def reachable(self) -> bool:
        try:
            await self.bounded(self.database.command("ping"))
        except Unavailable:
            return False
        return True

    async def bounded(self, call: Awaitable[T]) -> T:
        return await bounded(call, self.timeout)

    async def close(self) -> None:
        await self.database.client.close()


class InMemoryAcceptedStore:
    """The same behaviour in a dict, for unit tests."""

    def __init__(self) -> None:
        self.docs: dict[str, Accepted] = {}

    async def find(self, keys: Sequence[str]) -> dict[str, Accepted]:
        return {key: self.docs[key] for key in keys if key in self.docs}

    async def record(self, accepted: Sequence[Accepted]) -> set[str]:
        new = {a.key: a for a in accepted if a.key not in self.docs}
        self.docs |= new
        return set(new)

    async def accepted_before(self, before: datetime, limit: int) -> list[str]:
        found = sorted((a for a in self.docs.values() if a.accepted_at < before), key=lambda a: a.accepted_at)
        return [a.key for a in found[:limit]]

    async def reachable(self) -> bool:
        return True

    async def close(self) -> None:
        return None
