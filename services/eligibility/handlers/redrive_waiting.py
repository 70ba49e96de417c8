"""Encounters waiting for a payer that did not answer are asked again on a schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.eligibility.domain.records import EncounterRecord
from services.eligibility.domain.status import EncounterStatus, Waiting
from services.eligibility.handlers.outcomes import Outcome, backoff, resolve_records
from services.eligibility.handlers.ports import EligibilityRepository
from services.eligibility.handlers.verify_coverage import VerifyCoverage
from shared.concurrency import gather_at_most
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import Publisher


class RedriveWaiting:
    """Ask again for encounters waiting on a payer that did not answer; nothing waits unseen."""

    def __init__(
        self,
        repo: EligibilityRepository,
        publisher: Publisher,
        verify: VerifyCoverage,
        clock: Callable[[], datetime],
        limit: int = 200,
    ) -> None:
        self.repo, self.publisher, self.verify, self.clock, self.limit = repo, publisher, verify, clock, limit

    async def __call__(self) -> int:
        now = self.clock()
        due = await self.repo.waiting_due(now, self.limit)
        records = await self.repo.records([entry.key for entry in due])
        await self.finish_resolved([record for record in records.values() if not record.waiting])
        groups: dict[str, list[EncounterCompleted]] = {}
        for record in records.values():
            if record.status == EncounterStatus.WAITING_PAYER:
                coverage = record.coverage
                groups.setdefault(coverage.key if coverage else record.key, []).append(record.encounter)
        outcomes = await self.verify.ask_payers(groups, now)
        return await self.apply(outcomes, {entry.key: entry for entry in due}, now)

    async def finish_resolved(self, records: list[EncounterRecord]) -> None:
        """A record resolved before its waiting entry was cleared (a crash in between): send what the
        broker never acknowledged, clear."""
        await self.repo.publish_pending_resolutions(records, self.publisher)
        await self.repo.clear_waiting([record.key for record in records])

    async def apply(self, outcomes: list[Outcome], waiting: dict[str, Waiting], now: datetime) -> int:
        """Resolve what the payer answered; back off exponentially (capped) for the rest."""
        unanswered = [o for o in outcomes if o.status == EncounterStatus.WAITING_PAYER]
        await gather_at_most(self.reschedule(o, waiting.get(o.encounter.key), now) for o in unanswered)
        resolved = await resolve_records(
            self.repo, self.publisher, [o for o in outcomes if o.status != EncounterStatus.WAITING_PAYER]
        )
        await self.repo.save_verifications([o.saved for o in outcomes if o.saved])
        return resolved

    async def reschedule(self, outcome: Outcome, before: Waiting | None, now: datetime) -> None:
        rounds = (before.rounds if before else 1) + 1
        attempts = (before.attempts if before else 0) + outcome.attempts
        reason = outcome.verification.reason or ""
        await self.repo.reschedule(outcome.encounter.key, rounds, attempts, now + backoff(rounds), reason)
