"""An 835 claim that arrived before (or without) the `claim-submitted` it pays: parked, not lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.remittance.domain.era import ClaimPayment


@dataclass(frozen=True)
class ParkedClaim:
    key: str  # the posting key it will post under (domain/posting.py)
    trace: str  # the ERA's trace number
    claim: ClaimPayment
    parked_at: datetime  # the unmatched worklist's age

    @property
    def patient_control_number(self) -> str:
        return self.claim.patient_control_number
