"""Every verification of an encounter, with the payer exchanges, for the eligibility API."""

from __future__ import annotations

from dataclasses import dataclass

from services.eligibility.domain.records import Exchange
from services.eligibility.domain.status import EncounterStatus
from services.eligibility.handlers.ports import EligibilityRepository
from shared.contracts.events import Verification


@dataclass(frozen=True)
class Trail:
    """How an encounter's coverage was established: every step, and the exchanges that prove them."""

    key: str
    status: EncounterStatus
    coverage_key: str | None
    current: Verification
    steps: tuple[Verification, ...]
    payer_exchanges: tuple[Exchange, ...]
    phone_calls: tuple[Exchange, ...]


class VerificationTrail:
    """Everything that shows how an encounter's coverage was established, for an appeal packet."""

    def __init__(self, repo: EligibilityRepository) -> None:
        self.repo = repo

    async def __call__(self, key: str) -> Trail | None:
        record = (await self.repo.records([key])).get(key)
        if record is None:
            return None
        coverage_id = record.coverage
        coverage = await self.repo.coverage(coverage_id.key) if coverage_id else None
        exchanges = coverage.exchanges_of({step.verification_id for step in record.steps}) if coverage else []
        return Trail(
            key=key,
            status=record.status,
            coverage_key=coverage_id.key if coverage_id else None,
            current=record.verification,
            steps=record.steps,
            payer_exchanges=tuple(e for e in exchanges if e.verification.method == "x12_270_271"),
            phone_calls=tuple(e for e in exchanges if e.verification.method == "phone"),
        )
