"""The claims a person must work: rejected by the scrubber or the payer's front end."""

from __future__ import annotations

from typing import Any

from services.claims.domain.lifecycle import ClaimStatus
from services.claims.handlers.ports import ClaimStore


class Worklist:
    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, status: str = ClaimStatus.SCRUB_REJECTED, limit: int = 100) -> list[dict[str, Any]]:
        return await self.store.worklist(status, limit)
