"""Every verification of an encounter, with the payer exchanges, for the eligibility API."""

from __future__ import annotations

from typing import Any

from services.eligibility.handlers.ports import EligibilityRepository
from shared.phi.fields import opened_under


class VerificationTrail:
    """Everything that shows how an encounter's coverage was established, for an appeal packet."""

    def __init__(self, repo: EligibilityRepository) -> None:
        self.repo = repo

    async def __call__(self, key: str) -> dict[str, Any] | None:
        record = (await self.repo.records([key])).get(key)
        if record is None:
            return None
        steps = [*record.get("history", []), record["verification"], *record.get("evidence", [])]
        ids = {step["verification_id"] for step in steps}
        coverage_key = opened_under("coverage_key", record.get("coverage_key"))
        coverage = await self.repo.coverage(coverage_key) if coverage_key else None
        exchanges = [entry for entry in (coverage or {}).get("history", []) if entry["verification_id"] in ids]
        return {
            "key": key,
            "status": record["status"],
            "coverage_key": record.get("coverage_key"),  # sealed: the API reveals it
            "current": record["verification"],
            "steps": steps,
            "payer_exchanges": [e for e in exchanges if e.get("method") == "x12_270_271"],
            "phone_calls": [e for e in exchanges if e.get("method") == "phone"],
        }
