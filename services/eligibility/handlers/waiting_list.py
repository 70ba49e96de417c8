"""The encounters waiting for a payer or a person."""

from __future__ import annotations

from services.eligibility.domain.status import Waiting
from services.eligibility.handlers.ports import EligibilityRepository


class WaitingList:
    def __init__(self, repo: EligibilityRepository) -> None:
        self.repo = repo

    async def __call__(self, kind: str | None = None, limit: int = 100) -> list[Waiting]:
        return await self.repo.waiting(kind, limit)
