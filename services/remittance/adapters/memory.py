"""In-memory remittance store, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.remittance.domain.era import ClaimPayment
from shared.contracts.events import ClaimSubmitted
from shared.outbox import InMemoryOutboxStore


class InMemoryRemittanceStore:
    def __init__(self) -> None:
        self.payments = InMemoryOutboxStore()
        self.expected_claims: dict[str, dict[str, Any]] = {}
        self.eras: dict[str, dict[str, Any]] = {}
        self.unmatched: dict[str, dict[str, Any]] = {}

    async def save_expected(self, claims: Sequence[ClaimSubmitted]) -> None:
        for c in claims:
            self.expected_claims.setdefault(
                c.patient_control_number,
                {
                    "_id": c.patient_control_number,
                    "claim_id": c.claim_id,
                    "correlation_id": c.correlation_id,
                    "event_id": c.event_id,
                    "total_charge_cents": c.total_charge_cents,
                },
            )

    async def expected(self, pcns: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {pcn: self.expected_claims[pcn] for pcn in pcns if pcn in self.expected_claims}

    async def era_seen(self, digest: str) -> bool:
        return self.eras.get(digest, {}).get("outcome") == "posted"

    async def record_era(self, digest: str, file_name: str, outcome: str, problems: list[str]) -> None:
        self.eras[digest] = {"file_name": file_name, "outcome": outcome, "problems": problems}

    async def park_unmatched(self, trace: str, claims: Sequence[ClaimPayment]) -> None:
        for c in claims:
            key = f"{trace}:{c.patient_control_number}:{c.status_code}"
            self.unmatched.setdefault(
                key, {"_id": key, "trace": trace, "patient_control_number": c.patient_control_number, "claim": c}
            )

    async def parked(self, limit: int = 500) -> list[dict[str, Any]]:
        return list(self.unmatched.values())[:limit]

    async def clear_unmatched(self, ids: Sequence[str]) -> None:
        for key in ids:
            self.unmatched.pop(key, None)
