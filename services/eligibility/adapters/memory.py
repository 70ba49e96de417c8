"""In-memory repository with the same behaviour as the Mongo one, for unit tests."""

from __future__ import annotations

from typing import Any

from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.outbox import InMemoryOutboxStore
from services.eligibility.domain.model import CoverageId


class InMemoryEligibilityRepository:
    def __init__(self) -> None:
        self.encounters = InMemoryOutboxStore()
        self.verifications: dict[str, tuple[CoverageId, Verification]] = {}

    async def known_encounters(self, keys: list[str]) -> set[str]:
        return await self.encounters.known(keys)

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        latest: dict[str, Verification] = {}
        for coverage, verification in sorted(self.verifications.values(), key=lambda cv: cv[1].verified_at):
            if coverage.key in coverage_keys:
                latest[coverage.key] = verification
        return latest

    async def save(
        self, records: list[tuple[dict[str, Any], list[Outgoing]]], verifications: list[tuple[CoverageId, Verification]]
    ) -> None:
        for coverage, verification in verifications:
            self.verifications.setdefault(verification.verification_id, (coverage, verification))
        await self.encounters.save(records)

    async def flush(self, keys: list[str], publisher: Publisher) -> int:
        return await self.encounters.flush(keys, publisher)
