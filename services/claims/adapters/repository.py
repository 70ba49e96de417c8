"""The claims service's MongoDB database: claims (with outbox), interchanges, control numbers."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.mongo import find_by_ids
from shared.outbox import OutboxStore


class MongoClaimStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.claims = OutboxStore(db["claims"])
        self.interchanges = db["interchanges"]
        self.drops_pending = db["drops_pending"]  # tiny on purpose: scanned before every batch

    async def ensure_indexes(self) -> None:
        await self.claims.collection.create_index("status")
        await self.claims.collection.create_index("patient_control_number")

    async def next_control_number(self) -> int:
        """ISA13 must never repeat, across restarts and concurrent workers too.

        A number is claimed by inserting the interchange's own document with it as `_id`: the
        unique key is the only atomic primitive FerretDB's SQLite backend guarantees (its
        findAndModify `$inc` handed out duplicates under concurrency in tests/integration)."""
        last = await self.interchanges.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
        candidate = (int(last["_id"]) if last else 0) + 1
        while True:
            try:
                await self.interchanges.insert_one({"_id": candidate, "dropped": False})
                return candidate
            except DuplicateKeyError:
                candidate += 1

    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None:
        doc = {"file_name": file_name, "x12": x12, "claim_ids": claim_ids}
        await self.interchanges.update_one({"_id": control_number}, {"$set": doc})
        await self.drops_pending.update_one({"_id": control_number}, {"$set": {"file_name": file_name}}, upsert=True)

    async def undropped_interchanges(self) -> list[dict[str, Any]]:
        pending = await self.drops_pending.find({}).to_list(None)
        return list((await find_by_ids(self.interchanges, [doc["_id"] for doc in pending])).values())

    async def mark_dropped(self, control_number: int) -> None:
        await self.interchanges.update_one({"_id": control_number}, {"$set": {"dropped": True}})
        await self.drops_pending.delete_one({"_id": control_number})
