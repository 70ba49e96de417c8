"""A held encounter as the coders' worklist shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HeldEncounter:
    """`diagnoses` stay as stored (sealed at rest); the API opens them for an authorized reader."""

    key: str
    encounter_id: str
    date_of_service: str
    modality: str
    payer_id: str | None
    held_at: str | None  # ISO 8601: when the verified encounter that was held arrived
    diagnoses: list[str] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)  # reason, message

    def held_for(self, reason: str | None) -> bool:
        return reason is None or any(hold["reason"] == reason for hold in self.holds)
