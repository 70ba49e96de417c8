"""What coding keeps about an encounter: the record of how it was coded (or held), and a coder's
resolution of a hold. Clear values: the stores seal what must not be read at rest."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.coding.domain.model import CodingResult, Hold, Line
from services.coding.domain.resolution import Resolution
from shared.contracts.events import ClaimCoded, CodedLine, CoverageVerified

# Holds a coder cannot clear: coverage belongs to eligibility, self-pay has no payer claim.
NOT_RESOLVABLE_HERE = {"coverage_not_verified", "self_pay"}


class CodingStatus(StrEnum):
    CODED = "coded"
    HELD = "held"
    SELF_PAY = "self_pay"
    RESOLVED = "resolved"  # a coder resolved the hold; the codes are in the resolution


@dataclass(frozen=True)
class CodingRecord:
    """How one encounter was coded, from the `coverage-verified` event it was coded from."""

    event_id: str
    status: CodingStatus
    place_of_service: str | None
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...]
    holds: tuple[Hold, ...]
    held_at: str | None  # ISO 8601: when the verified encounter that was held arrived
    coverage_verified: CoverageVerified
    resolution: str | None = None  # the resolution record's key, once a coder resolved the hold
    recoding: str | None = None  # the record announcing a later coding from a later verification

    @classmethod
    def of(cls, event: CoverageVerified, result: CodingResult) -> CodingRecord:
        return cls(
            event_id=event.event_id,
            status=CodingStatus(result.status),
            place_of_service=result.place_of_service,
            diagnoses=result.diagnoses,
            lines=result.lines,
            holds=result.holds,
            held_at=event.occurred_at.isoformat() if result.status == CodingStatus.HELD else None,
            coverage_verified=event,
        )

    @property
    def only_coverage_held(self) -> bool:
        """Held for nothing but its coverage: a later verification codes it again."""
        return self.status == CodingStatus.HELD and all(h.reason == "coverage_not_verified" for h in self.holds)

    def refusal(self, key: str) -> tuple[str, ...]:
        """Why a coder cannot resolve this record (empty when they can)."""
        if self.status != CodingStatus.HELD:
            return (f"{key} is {self.status}, not held",)
        blocking = [hold.message for hold in self.holds if hold.reason in NOT_RESOLVABLE_HERE]
        return tuple(f"not resolvable by coding: {message}" for message in blocking)

    def resolved_by(self, resolution_key: str) -> CodingRecord:
        return replace(self, status=CodingStatus.RESOLVED, resolution=resolution_key)

    def announced_by(self, recoding_key: str) -> CodingRecord:
        return replace(self, recoding=recoding_key)


@dataclass(frozen=True)
class ResolutionRecord:
    """A coder's codes for a held encounter; who resolved it comes from their credential."""

    operator: str
    note: str
    resolved_at: str  # ISO 8601
    place_of_service: str | None
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...]

    @classmethod
    def of(cls, resolution: Resolution, result: CodingResult, at: datetime) -> ResolutionRecord:
        return cls(
            operator=resolution.operator,
            note=resolution.note,
            resolved_at=at.isoformat(),
            place_of_service=result.place_of_service,
            diagnoses=result.diagnoses,
            lines=result.lines,
        )


def claim_coded(event: CoverageVerified, result: CodingResult) -> ClaimCoded:
    return ClaimCoded.caused_by(
        event.event_id,
        event.correlation_id,
        encounter=event.encounter,
        verification=event.verification,
        place_of_service=result.place_of_service,
        diagnoses=list(result.diagnoses),
        lines=[coded_line(line) for line in result.lines],
    )


def coded_line(line: Line) -> CodedLine:
    return CodedLine.model_validate(line_fields(line))


def line_fields(line: Line) -> dict[str, Any]:
    """A line as JSON-ready fields (what is stored, announced and printed)."""
    return {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": line.units,
        "diagnosis_pointers": list(line.diagnosis_pointers),
        "date_of_service": line.date_of_service.isoformat(),
        "rule": line.rule,
        "source": line.source,
        "explanation": line.explanation,
    }
