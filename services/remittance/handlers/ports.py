"""The remittance service's ports and rules: its store, the eligibility evidence, the 835 inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from services.remittance.domain.appeal import EligibilityTrail
from services.remittance.domain.denials import AdjustmentCodes, DenialRules
from services.remittance.domain.era import ClaimPayment
from services.remittance.domain.files import EraFile
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import PostingRules
from services.remittance.domain.records import DenialFollowUp, ExpectedClaim, PostingRecord, Underpayment
from services.remittance.domain.underpayment import FeeSchedules
from shared.contracts.events import ClaimSubmitted
from shared.outbox import Records

SERVICE = "remittance"


class RemittanceStore(Protocol):
    payments: Records[PostingRecord]  # keyed by posting key, each with its `payment-posted`

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None: ...
    async def expected(self, pcns: Sequence[str]) -> dict[str, ExpectedClaim]: ...
    async def era_seen(self, digest: str) -> bool: ...
    async def record_era(self, file: EraFile) -> None: ...
    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None: ...
    async def parked(self, limit: int = 500) -> list[ParkedClaim]: ...

    async def clear_unmatched(self, ids: Sequence[str]) -> None: ...
    async def follow_up(self, denied: Sequence[DenialFollowUp], underpaid: Sequence[Underpayment]) -> None:
        """Keep denials and underpayments on their worklists (small collections of their own)."""

    async def denial_worklist(self, limit: int) -> list[DenialFollowUp]:
        """Oldest posting first, as are the other worklists."""

    async def underpayment_worklist(self, limit: int) -> list[Underpayment]: ...
    async def file_worklist(self, limit: int) -> list[EraFile]:
        """835s that did not post, with their problems, until the same file posts."""

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None: ...
    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]: ...
    async def posting(self, key: str) -> PostingRecord | None: ...


class EvidenceSource(Protocol):
    async def trail(self, encounter_key: str) -> EligibilityTrail: ...


class Inbox(Protocol):
    def waiting(self) -> list[Path]: ...
    async def read(self, path: Path) -> str: ...
    def archive_file(self, path: Path, outcome: str, reasons: Sequence[str] = ()) -> None: ...


@dataclass(frozen=True)
class RemittanceRules:
    posting: PostingRules
    codes: AdjustmentCodes
    denials: DenialRules
    fees: FeeSchedules
