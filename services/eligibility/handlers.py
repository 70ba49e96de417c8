"""Eligibility use cases: verify the coverage of completed encounters, forward or hold them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from services.eligibility.domain.model import CoverageId, coverage_of, verify
from services.eligibility.domain.policy import VerificationPolicy
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified, Verification
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Record
from shared.topics import COVERAGE_VERIFIED

SERVICE = "eligibility"


class EligibilityRepository(Protocol):
    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]: ...
    async def save_verifications(self, verifications: list[tuple[CoverageId, Verification]]) -> None: ...
    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]:
        """Store new encounter records with their events and publish them; return the new keys."""


class VerifyCoverage:
    def __init__(
        self,
        repo: EligibilityRepository,
        publisher: Publisher,
        policy: VerificationPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo, self.publisher, self.policy, self.clock = repo, publisher, policy, clock

    async def __call__(self, encounters: list[EncounterCompleted]) -> None:
        unique = {encounter.key: encounter for encounter in encounters}
        records, verifications = await self.decide_all(list(unique.values()))
        inserted = await self.repo.save_and_publish(records, self.publisher)
        # A redelivered encounter was decided before: only new encounters' verifications are kept.
        await self.repo.save_verifications([(c, v) for key, c, v in verifications if key in inserted])

    async def decide_all(self, encounters: list[EncounterCompleted]) -> tuple[list[Record], list[Any]]:
        coverages = {e.key: coverage_of(e) for e in encounters}
        latest = await self.repo.latest_verifications({c.key for c in coverages.values() if c})
        records, verifications = [], []
        for encounter in encounters:
            coverage = coverages[encounter.key]
            verification = verify(encounter, latest.get(coverage.key) if coverage else None, self.policy, self.clock())
            if coverage and not verification.reused:
                latest[coverage.key] = verification
                verifications.append((encounter.key, coverage, verification))
            records.append(record_for(encounter, verification, coverage))
        return records, verifications


def record_for(encounter: EncounterCompleted, verification: Verification, coverage: CoverageId | None) -> Record:
    waiting = verification.outcome == "needs_manual"
    doc = {
        "_id": encounter.key,
        "event_id": str(encounter.event_id),
        "source": encounter.source,
        "encounter_id": encounter.encounter.encounter_id,
        "plan_type": encounter.coverage.plan_type,
        "coverage_key": coverage.key if coverage else None,
        "status": "waiting_manual" if waiting else "verified",
        "verification": verification.model_dump(mode="json"),
        "encounter": encounter.model_dump(mode="json"),
    }
    if waiting:
        HOLDS.labels(SERVICE, "needs_manual").inc()
        return doc, []
    event = CoverageVerified.caused_by(
        str(encounter.event_id), encounter.key, encounter=encounter, verification=verification
    )
    return doc, [Outgoing.of(COVERAGE_VERIFIED.name, encounter.key, event)]
