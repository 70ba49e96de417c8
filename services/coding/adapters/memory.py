"""In-memory coding storage with the Mongo adapters' behaviour, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.coding.handlers import hold_summary
from shared.messaging import Publisher
from shared.outbox import InMemoryOutboxStore, Record


class InMemoryCodingRecords(InMemoryOutboxStore):
    async def stored(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: self.docs[key] for key in keys if key in self.docs}

    async def replace(self, key: str, expected_event_id: str, record: Record) -> bool:
        if key not in self.docs or self.docs[key]["event_id"] != expected_event_id:
            return False
        doc, outbox = record
        self.docs[key] = {**doc, "outbox": list(outbox)}
        return True


class InMemoryHoldStore:
    def __init__(self, records: InMemoryOutboxStore) -> None:
        self.records = records
        self.resolutions = InMemoryOutboxStore()

    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[dict[str, Any]]:
        docs = [hold_summary(doc) for doc in self.records.docs.values() if doc["status"] == "held"]
        matching = [doc for doc in docs if reason is None or any(h["reason"] == reason for h in doc["holds"])]
        return sorted(matching, key=lambda doc: doc.get("held_at") or "", reverse=newest_first)[:limit]

    async def held_one(self, key: str) -> dict[str, Any] | None:
        doc = self.records.docs.get(key)
        return hold_summary(doc) if doc and doc["status"] == "held" else None

    async def record(self, key: str) -> dict[str, Any] | None:
        return await self.records.get(key)

    async def resolution(self, key: str) -> dict[str, Any] | None:
        return await self.resolutions.get(key)

    async def save_resolution(self, record: Record, publisher: Publisher) -> bool:
        return bool(await self.resolutions.save_and_publish([record], publisher))

    async def mark_resolved(self, key: str, resolution_id: str) -> None:
        self.records.docs[key] |= {"status": "resolved", "resolution": resolution_id}
