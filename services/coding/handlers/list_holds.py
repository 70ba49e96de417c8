"""The coders' worklist: held encounters with their reasons, oldest first."""

from __future__ import annotations

from typing import Any

from services.coding.handlers.ports import HoldStore


class ListHolds:
    def __init__(self, store: HoldStore) -> None:
        self.store = store

    async def __call__(
        self, reason: str | None = None, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        return [public(doc) for doc in await self.store.held(reason, limit, newest_first)]

    async def one(self, key: str) -> dict[str, Any] | None:
        doc = await self.store.held_one(key)
        return public(doc) if doc else None


def worklist_view(
    entries: list[dict[str, Any]], reason: str | None, limit: int, newest_first: bool
) -> list[dict[str, Any]]:
    """Held entries with `reason` (all when None), oldest first unless asked otherwise."""
    matching = [e for e in entries if reason is None or any(h["reason"] == reason for h in e["holds"])]
    return sorted(matching, key=lambda e: e.get("held_at") or "", reverse=newest_first)[:limit]


def public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "_id"}


def hold_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The coders' worklist entry of a held record."""
    encounter = doc["coverage_verified"]["encounter"]
    return {
        "_id": doc["_id"],
        "key": doc["_id"],
        "encounter_id": encounter["encounter"]["encounter_id"],
        "date_of_service": encounter["encounter"]["date_of_service"],
        "modality": encounter["encounter"]["modality"],
        "payer_id": encounter["coverage"].get("payer_id"),
        "diagnoses": doc["diagnoses"],
        "holds": doc["holds"],
        "held_at": doc.get("held_at"),
    }
