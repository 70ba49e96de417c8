"""In-memory remittance store, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from services.remittance.adapters.repository import expected_doc
from services.remittance.domain.era import ClaimPayment
from services.remittance.domain.parked import ParkedClaim
from services.remittance.domain.posting import posting_key
from shared.contracts.events import ClaimSubmitted
from shared.outbox import InMemoryOutboxStore


class InMemoryRemittanceStore:
    def __init__(self) -> None:
        self.payments = InMemoryOutboxStore()
        self.expected_claims: dict[str, dict[str, Any]] = {}
        self.eras: dict[str, dict[str, Any]] = {}
        self.unmatched: dict[str, ParkedClaim] = {}
        self.worklists: dict[str, dict[str, dict[str, Any]]] = {"denials": {}, "underpayments": {}}
        self.payer_claims: dict[str, str] = {}

    async def follow_up(self, denied: list[dict[str, Any]], underpaid: list[dict[str, Any]]) -> None:
        for name, entries in (("denials", denied), ("underpayments", underpaid)):
            for entry in entries:
                self.worklists[name].setdefault(entry["_id"], entry)

    async def worklist(self, name: str, limit: int) -> list[dict[str, Any]]:
        if name == "files":
            problems = [{"_id": d, **doc} for d, doc in self.eras.items() if doc["outcome"] != "posted"]
            return sorted(problems, key=lambda doc: doc["recorded_at"])[:limit]
        return sorted(self.worklists[name].values(), key=lambda doc: doc["posted_at"])[:limit]

    async def remember_payer_claims(self, pcn_by_payer_claim: dict[str, str]) -> None:
        for number, pcn in pcn_by_payer_claim.items():
            self.payer_claims.setdefault(number, pcn)

    async def pcns_for_payer_claims(self, payer_claims: Sequence[str]) -> dict[str, str]:
        return {number: self.payer_claims[number] for number in payer_claims if number in self.payer_claims}

    async def posting(self, key: str) -> dict[str, Any] | None:
        return await self.payments.get(key)

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None:
        for c in claims:
            self.expected_claims.setdefault(
                c.patient_control_number, {"_id": c.patient_control_number, **expected_doc(c)}
            )

    async def expected(self, pcns: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {pcn: self.expected_claims[pcn] for pcn in pcns if pcn in self.expected_claims}

    async def era_seen(self, digest: str) -> bool:
        return self.eras.get(digest, {}).get("outcome") == "posted"

    async def record_era(self, digest: str, file_name: str, outcome: str, problems: list[str], at: datetime) -> None:
        self.eras[digest] = {"file_name": file_name, "outcome": outcome, "problems": problems, "recorded_at": at}

    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None:
        for claim in claims:
            key = posting_key(trace, claim)
            self.unmatched.setdefault(key, ParkedClaim(key, trace, claim, datetime.now(UTC)))

    async def parked(self, limit: int = 500) -> list[ParkedClaim]:
        return list(self.unmatched.values())[:limit]

    async def clear_unmatched(self, ids: Sequence[str]) -> None:
        for key in ids:
            self.unmatched.pop(key, None)
