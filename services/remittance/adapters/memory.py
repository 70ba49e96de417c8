"""In-memory remittance store, for unit tests: it keeps the documents the MongoDB store keeps, through
the same codecs (adapters/documents.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from services.remittance.adapters.documents import (
    DENIALS,
    ERA_FILES,
    EXPECTED_CLAIMS,
    POSTINGS,
    UNDERPAYMENTS,
    expected_document,
    oldest_first,
)
from services.remittance.domain.era import ClaimPayment
from services.remittance.domain.files import EraFile
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import posting_key
from services.remittance.domain.records import DenialFollowUp, ExpectedClaim, PostingRecord, Underpayment
from shared.contracts.events import ClaimSubmitted
from shared.outbox import InMemoryOutboxStore, Records


class InMemoryRemittanceStore:
    def __init__(self) -> None:
        self.payments = Records(InMemoryOutboxStore(), POSTINGS)
        self.expected_claims: dict[str, dict[str, Any]] = {}
        self.eras: dict[str, dict[str, Any]] = {}
        self.unmatched: dict[str, ParkedClaim] = {}
        self.denials: dict[str, dict[str, Any]] = {}
        self.underpayments: dict[str, dict[str, Any]] = {}
        self.payer_claims: dict[str, str] = {}

    async def follow_up(self, denied: Sequence[DenialFollowUp], underpaid: Sequence[Underpayment]) -> None:
        for entry in denied:
            self.denials.setdefault(entry.posting.key, {"_id": entry.posting.key, **DENIALS.document(entry)})
        for owed in underpaid:
            self.underpayments.setdefault(owed.posting.key, {"_id": owed.posting.key, **UNDERPAYMENTS.document(owed)})

    async def denial_worklist(self, limit: int) -> list[DenialFollowUp]:
        return [DENIALS.record(doc) for doc in oldest_first(self.denials.values(), "posted_at", limit)]

    async def underpayment_worklist(self, limit: int) -> list[Underpayment]:
        return [UNDERPAYMENTS.record(doc) for doc in oldest_first(self.underpayments.values(), "posted_at", limit)]

    async def file_worklist(self, limit: int) -> list[EraFile]:
        problems = [doc for doc in self.eras.values() if doc["outcome"] != "posted"]
        return [ERA_FILES.record(doc) for doc in oldest_first(problems, "recorded_at", limit)]

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None:
        for number, pcn in pcn_by_payer_claim.items():
            self.payer_claims.setdefault(number, pcn)

    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]:
        return {number: self.payer_claims[number] for number in payer_claims if number in self.payer_claims}

    async def posting(self, key: str) -> PostingRecord | None:
        return await self.payments.get(key)

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None:
        for claim in claims:
            self.expected_claims.setdefault(claim.patient_control_number, expected_document(claim))

    async def expected(self, pcns: Sequence[str]) -> dict[str, ExpectedClaim]:
        return {pcn: EXPECTED_CLAIMS.record(self.expected_claims[pcn]) for pcn in pcns if pcn in self.expected_claims}

    async def era_seen(self, digest: str) -> bool:
        return self.eras.get(digest, {}).get("outcome") == "posted"

    async def record_era(self, file: EraFile) -> None:
        self.eras[file.digest] = {"_id": file.digest, **ERA_FILES.document(file)}

    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None:
        for claim in claims:
            key = posting_key(trace, claim)
            self.unmatched.setdefault(key, ParkedClaim(key, trace, claim, datetime.now(UTC)))

    async def parked(self, limit: int = 500) -> list[ParkedClaim]:
        return list(self.unmatched.values())[:limit]

    async def clear_unmatched(self, ids: Sequence[str]) -> None:
        for key in ids:
            self.unmatched.pop(key, None)
