"""The coders' worklist as both stores keep it: one small entry per held record (never the record
itself), listed by reason and age."""

from __future__ import annotations

from typing import Any


def worklist_view(
    entries: list[dict[str, Any]], reason: str | None, limit: int, newest_first: bool
) -> list[dict[str, Any]]:
    """Held entries with `reason` (all when None), oldest first unless asked otherwise."""
    matching = [e for e in entries if reason is None or any(h["reason"] == reason for h in e["holds"])]
    return sorted(matching, key=lambda e: e.get("held_at") or "", reverse=newest_first)[:limit]


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
