"""The evidence for appealing a denial: the claim, its posting and the eligibility verification."""

from __future__ import annotations

from typing import Any

from services.remittance.handlers.ports import EvidenceSource, RemittanceStore


class AppealPacket:
    """What an appeal of a denial needs: the remittance facts, each denial with its category and
    next action, and the eligibility service's verification evidence for the encounter."""

    def __init__(self, store: RemittanceStore, evidence: EvidenceSource) -> None:
        self.store, self.evidence = store, evidence

    async def __call__(self, posting_key: str) -> dict[str, Any] | None:
        doc = await self.store.posting(posting_key)
        if doc is None or not doc["payment"]["denials"]:
            return None
        payment = doc["payment"]
        trail = await self.evidence.trail(doc["correlation_id"])
        return {
            "posting_key": posting_key,
            "encounter_key": doc["correlation_id"],
            "claim_id": doc["claim_id"],
            "payer_claim_number": payment["payer_claim_number"],
            "era_trace_number": payment["era_trace_number"],
            "claim_status": payment["claim_status"],
            "charge_cents": payment["charge_cents"],
            "paid_cents": payment["paid_cents"],
            "denials": payment["denials"],
            "eligibility_evidence": trail,
            "call_references": [c["evidence"]["call_reference"] for c in trail.get("phone_calls", [])],
            "payer_traces": [
                e["evidence"]["trace_number"] for e in trail.get("payer_exchanges", []) if e.get("evidence")
            ],
        }
