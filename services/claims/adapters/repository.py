"""The claims service's MongoDB database: claims (with outbox), interchanges, control numbers."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.outbox import OutboxStore


class MongoClaimStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.claims = OutboxStore(db["claims"])
        self.interchanges = db["interchanges"]
        self.counters = db["counters"]

    async def ensure_indexes(self) -> None:
        await self.claims.collection.create_index("status")
        await self.claims.collection.create_index("patient_control_number")
        await self.interchanges.create_index("dropped")

    async def next_control_number(self) -> int:
        """ISA13 must never repeat, across restarts too: one atomic counter document."""
        doc = await self.counters.find_one_and_update(
            {"_id": "interchange"}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        return int(doc["value"])

    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None:
        doc = {"file_name": file_name, "x12": x12, "claim_ids": claim_ids, "dropped": False}
        await self.interchanges.update_one({"_id": control_number}, {"$setOnInsert": doc}, upsert=True)

    async def undropped_interchanges(self) -> list[dict[str, Any]]:
        return await self.interchanges.find({"dropped": False}).to_list(None)

    async def mark_dropped(self, control_number: int) -> None:
        await self.interchanges.update_one({"_id": control_number}, {"$set": {"dropped": True}})
