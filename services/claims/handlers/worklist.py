"""The claims a person must work: rejected by the scrubber or the payer's front end."""

from __future__ import annotations

from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import WorklistEntry
from services.claims.handlers.ports import ClaimStore


class Worklist:
    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, status: ClaimStatus = ClaimStatus.SCRUB_REJECTED, limit: int = 100) -> list[WorklistEntry]:
        return await self.store.worklist(status, limit)
