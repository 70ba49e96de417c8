"""The remittance service's ports and rules: its store, the eligibility evidence, the 835 inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from services.remittance.domain.denials import AdjustmentCodes, DenialRules
from services.remittance.domain.era import ClaimPayment
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import PostingRules
from services.remittance.domain.underpayment import FeeSchedules
from shared.contracts.events import ClaimSubmitted
from shared.outbox import InMemoryOutboxStore, OutboxStore

SERVICE = "remittance"


class RemittanceStore(Protocol):
    @property  # read-only, so each store may hold the narrower kind of outbox store
    def payments(self) -> OutboxStore | InMemoryOutboxStore: ...

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None: ...
    async def expected(self, pcns: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    async def era_seen(self, digest: str) -> bool: ...
    async def record_era(
        self, digest: str, file_name: str, outcome: str, problems: list[str], at: datetime
    ) -> None: ...
    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None: ...
    async def parked(self, limit: int = 500) -> list[ParkedClaim]: ...

    async def clear_unmatched(self, ids: Sequence[str]) -> None: ...
    async def follow_up(self, denied: list[dict[str, Any]], underpaid: list[dict[str, Any]]) -> None:
        """Keep denials and underpayments on their worklists (small collections of their own)."""

    async def worklist(self, name: str, limit: int) -> list[dict[str, Any]]:
        """`denials`, `underpayments`, or `files` (835s that did not post, with their problems), oldest first."""

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None: ...
    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]: ...
    async def posting(self, key: str) -> dict[str, Any] | None: ...


class EvidenceSource(Protocol):
    async def trail(self, encounter_key: str) -> dict[str, Any]: ...


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
