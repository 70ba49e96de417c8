"""What an appeal of a denial needs: the denied posting and the eligibility service's evidence of
how coverage was established for its encounter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import JsonValue

from services.remittance.domain.records import PostingRecord


@dataclass(frozen=True)
class EligibilityTrail:
    """The eligibility service's verification trail of one encounter, shown in the packet as it was
    answered (remittance does not own its shape), with the references an appeal cites: each phone
    verification's call reference and each 270/271 exchange's trace number."""

    answer: Mapping[str, JsonValue]
    call_references: tuple[str | None, ...] = ()
    payer_traces: tuple[str | None, ...] = ()

    @classmethod
    def unavailable(cls, why: str) -> EligibilityTrail:
        return cls({"unavailable": why})


@dataclass(frozen=True)
class Appeal:
    posting: PostingRecord
    evidence: EligibilityTrail
