"""In-memory coding storage with the Mongo adapters' behaviour, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.coding.adapters.held import held_from_record, worklist_view
from services.coding.adapters.repository import ResolutionsOnOutboxes
from services.coding.domain.held import HeldEncounter
from shared.outbox import InMemoryOutboxStore, Record


class InMemoryCodingRecords(InMemoryOutboxStore):
    async def stored(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: self.docs[key] for key in keys if key in self.docs}

    async def replace(self, key: str, expected_event_id: str, record: Record) -> bool:
        if key not in self.docs or self.docs[key]["event_id"] != expected_event_id:
            return False
        doc, outbox = record
        await self.unmark(key)
        self.docs[key] = {**doc, "outbox": list(outbox)}
        return True


class InMemoryHoldStore(ResolutionsOnOutboxes):
    def __init__(self, records: InMemoryOutboxStore) -> None:
        self.records = records
        self.resolutions = InMemoryOutboxStore()

    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[HeldEncounter]:
        held = [held_from_record(doc) for doc in self.records.docs.values() if doc["status"] == "held"]
        return worklist_view(held, reason, limit, newest_first)

    async def held_one(self, key: str) -> HeldEncounter | None:
        doc = self.records.docs.get(key)
        return held_from_record(doc) if doc and doc["status"] == "held" else None

    async def mark_resolved(self, key: str, resolution_id: str) -> None:
        self.records.docs[key] |= {"status": "resolved", "resolution": resolution_id}
