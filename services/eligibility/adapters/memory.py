"""In-memory repository with the same behaviour as the Mongo one, for unit tests."""

from __future__ import annotations

from services.eligibility.domain.model import CoverageId
from shared.contracts.events import Verification
from shared.messaging import Publisher
from shared.outbox import InMemoryOutboxStore, Record


class InMemoryEligibilityRepository:
    def __init__(self) -> None:
        self.encounters = InMemoryOutboxStore()
        self.verifications: dict[str, list[Verification]] = {}

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        return {key: self.verifications[key][-1] for key in coverage_keys if key in self.verifications}

    async def save_verifications(self, verifications: list[tuple[CoverageId, Verification]]) -> None:
        for coverage, verification in verifications:
            self.verifications.setdefault(coverage.key, []).append(verification)

    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]:
        return await self.encounters.save_and_publish(records, publisher)
