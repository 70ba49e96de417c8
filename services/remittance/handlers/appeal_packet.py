"""The evidence for appealing a denial: the claim, its posting and the eligibility verification."""

from __future__ import annotations

from services.remittance.domain.appeal import Appeal
from services.remittance.handlers.ports import EvidenceSource, RemittanceStore


class AppealPacket:
    """What an appeal of a denial needs: the remittance facts, each denial with its category and
    next action, and the eligibility service's verification evidence for the encounter."""

    def __init__(self, store: RemittanceStore, evidence: EvidenceSource) -> None:
        self.store, self.evidence = store, evidence

    async def __call__(self, posting_key: str) -> Appeal | None:
        posting = await self.store.posting(posting_key)
        if posting is None or not posting.denied:
            return None
        return Appeal(posting, await self.evidence.trail(posting.encounter_key))
