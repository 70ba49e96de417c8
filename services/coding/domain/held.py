"""A held encounter as the coders' worklist shows it."""

from __future__ import annotations

from dataclasses import dataclass

from services.coding.domain.model import Hold
from services.coding.domain.records import CodingRecord


@dataclass(frozen=True)
class HeldEncounter:
    key: str
    encounter_id: str
    date_of_service: str  # ISO 8601
    modality: str
    payer_id: str | None
    held_at: str | None  # ISO 8601: when the verified encounter that was held arrived
    diagnoses: tuple[str, ...] = ()
    holds: tuple[Hold, ...] = ()

    @classmethod
    def of(cls, key: str, record: CodingRecord) -> HeldEncounter:
        encounter = record.coverage_verified.encounter
        return cls(
            key=key,
            encounter_id=encounter.encounter.encounter_id,
            date_of_service=encounter.encounter.date_of_service.isoformat(),
            modality=encounter.encounter.modality,
            payer_id=encounter.coverage.payer_id,
            held_at=record.held_at,
            diagnoses=record.diagnoses,
            holds=record.holds,
        )

    def held_for(self, reason: str | None) -> bool:
        return reason is None or any(hold.reason == reason for hold in self.holds)


def worklist_view(
    entries: list[HeldEncounter], reason: str | None, limit: int, newest_first: bool
) -> list[HeldEncounter]:
    """Held entries with `reason` (all when None), oldest first unless asked otherwise."""
    matching = [entry for entry in entries if entry.held_for(reason)]
    return sorted(matching, key=lambda entry: entry.held_at or "", reverse=newest_first)[:limit]
