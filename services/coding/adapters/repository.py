"""MongoDB storage of the coding service: coded/held records and operators' resolutions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.coding.adapters.held import held_from_summary, hold_summary, worklist_view
from services.coding.domain.held import HeldEncounter
from shared.messaging import Publisher
from shared.mongo import Document, find_by_ids, insert_new
from shared.outbox import OutboxStore, Record, stored

RECORDS, RESOLUTIONS, HELD = "coded_encounters", "resolutions", "held"


class CodingRecords(OutboxStore):
    """Coded/held records; a record held only for coverage may be replaced by a later verification.

    Held records are also listed in the small `held` collection, the coders' worklist: FerretDB
    only pushes `_id` lookups down to SQLite, so a status query would scan every record."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        super().__init__(collection)
        self.held = collection.database[HELD]

    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]:
        await insert_new(self.held, [hold_summary(doc) for doc, _ in records if doc["status"] == "held"])
        return await super().save_and_publish(records, publisher)

    async def stored(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await find_by_ids(self.collection, keys, {"event_id": 1, "status": 1, "holds": 1})

    async def replace(self, key: str, expected_event_id: str, record: Record) -> bool:
        doc, outbox = record
        # Filter on `_id` alone: FerretDB scans the whole table for any other filter. The key's
        # partition has one consumer, so nothing else replaces this record meanwhile.
        current = await self.collection.find_one({"_id": key}, {"event_id": 1})
        if current is None or current["event_id"] != expected_event_id:
            return False
        await self.unmark(key)  # first: a crash after it only re-sends the old events, never loses the new
        result = await self.collection.replace_one({"_id": key}, stored(doc, outbox))
        await self.held.delete_one({"_id": key})
        if doc["status"] == "held":
            await insert_new(self.held, [hold_summary(doc)])
        return result.modified_count == 1


class ResolutionsOnOutboxes:
    """Reads and resolution writes common to every hold store: both sides are outbox stores."""

    records: Any
    resolutions: Any

    async def record(self, key: str) -> dict[str, Any] | None:
        return await self.records.get(key)  # type: ignore[no-any-return]

    async def resolution(self, key: str) -> dict[str, Any] | None:
        return await self.resolutions.get(key)  # type: ignore[no-any-return]

    async def save_resolution(self, record: Record, publisher: Publisher) -> bool:
        return bool(await self.resolutions.save_and_publish([record], publisher))


class MongoHoldStore(ResolutionsOnOutboxes):
    """Held records are read from `coded_encounters`; a resolution is its own outbox record (one per
    encounter key, first write wins) so a retried resolution re-publishes instead of coding twice."""

    records: CodingRecords

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.records = CodingRecords(database[RECORDS])
        self.resolutions = OutboxStore(database[RESOLUTIONS])

    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[HeldEncounter]:
        entries = [held_from_summary(doc) async for doc in self.records.held.find({})]
        return worklist_view(entries, reason, limit, newest_first)

    async def held_one(self, key: str) -> HeldEncounter | None:
        found = await self.records.held.find_one({"_id": key})
        return held_from_summary(found) if found else None

    async def mark_resolved(self, key: str, resolution_id: str) -> None:
        await self.records.collection.update_one(
            {"_id": key}, {"$set": {"status": "resolved", "resolution": resolution_id}}
        )
        await self.records.held.delete_one({"_id": key})
