"""The coders' worklist as both stores keep it: one small entry per held record (never the record
itself), listed by reason and age."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.coding.domain.held import HeldEncounter


def worklist_view(
    entries: list[HeldEncounter], reason: str | None, limit: int, newest_first: bool
) -> list[HeldEncounter]:
    """Held entries with `reason` (all when None), oldest first unless asked otherwise."""
    matching = [entry for entry in entries if entry.held_for(reason)]
    return sorted(matching, key=lambda entry: entry.held_at or "", reverse=newest_first)[:limit]


def hold_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The worklist document of a held record (`_id` = the record's key)."""
    return {"_id": doc["_id"], **asdict(held_from_record(doc))}


def held_from_record(doc: dict[str, Any]) -> HeldEncounter:
    encounter = doc["coverage_verified"]["encounter"]
    return HeldEncounter(
        key=doc["_id"],
        encounter_id=encounter["encounter"]["encounter_id"],
        date_of_service=encounter["encounter"]["date_of_service"],
        modality=encounter["encounter"]["modality"],
        payer_id=encounter["coverage"].get("payer_id"),
        held_at=doc.get("held_at"),
        diagnoses=list(doc["diagnoses"]),
        holds=list(doc["holds"]),
    )


def held_from_summary(doc: dict[str, Any]) -> HeldEncounter:
    return HeldEncounter(
        key=doc["key"],
        encounter_id=doc["encounter_id"],
        date_of_service=doc["date_of_service"],
        modality=doc["modality"],
        payer_id=doc.get("payer_id"),
        held_at=doc.get("held_at"),
        diagnoses=list(doc.get("diagnoses", [])),
        holds=list(doc.get("holds", [])),
    )
