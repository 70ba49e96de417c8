"""What eligibility keeps: each encounter's record, the resolution of a waiting one, and each coverage's
verifications with the exchanges that prove them. Clear values: the stores seal what must not be
read at rest."""

from __future__ import annotations

from dataclasses import dataclass

from services.eligibility.domain.model import CoverageId, coverage_of
from services.eligibility.domain.status import WAITING, EncounterStatus
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import Verification


@dataclass(frozen=True)
class EncounterRecord:
    """An encounter as eligibility decided it: where it stands, the verification that says so, those
    it replaced (`history`) or that came after it was decided (`evidence`), and the resolution that
    moved it out of waiting, if one did."""

    encounter: EncounterCompleted
    status: EncounterStatus
    verification: Verification
    history: tuple[Verification, ...] = ()
    evidence: tuple[Verification, ...] = ()
    resolution: str | None = None  # the key of the resolution that holds the event announcing it

    @property
    def key(self) -> str:
        return self.encounter.key

    @property
    def waiting(self) -> bool:
        return self.status in WAITING

    @property
    def coverage(self) -> CoverageId | None:
        return coverage_of(self.encounter)

    @property
    def steps(self) -> tuple[Verification, ...]:
        """Every verification of the encounter, in the order they were made."""
        return (*self.history, self.verification, *self.evidence)


@dataclass(frozen=True)
class Resolution:
    """What moves a waiting encounter to its outcome (a late payer answer or a phone call): claimed
    once per waiting verification, so of two that race exactly one is applied."""

    status: EncounterStatus
    verification: Verification


@dataclass(frozen=True)
class Exchange:
    """One verification of a coverage with the raw 270 and 271 that prove it (none for a phone call)."""

    verification: Verification
    inquiry_x12: str | None = None
    response_x12: str | None = None


@dataclass(frozen=True)
class SavedVerification:
    """A coverage-level verification with the raw exchange that proves it."""

    coverage: CoverageId
    exchange: Exchange

    @property
    def verification(self) -> Verification:
        return self.exchange.verification


@dataclass(frozen=True)
class CoverageRecord:
    """A coverage's verifications: the latest, which later encounters reuse, and every one with its
    exchange, for an appeal."""

    payer_id: str
    plan_year: int
    latest: Verification
    history: tuple[Exchange, ...] = ()

    def exchanges_of(self, verification_ids: set[str]) -> list[Exchange]:
        return [entry for entry in self.history if entry.verification.verification_id in verification_ids]
