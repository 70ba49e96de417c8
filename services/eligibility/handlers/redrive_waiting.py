"""Encounters waiting for a payer that did not answer are asked again on a schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.eligibility.domain.model import (
    coverage_of,
)
from services.eligibility.domain.status import WAITING, EncounterStatus, Waiting
from services.eligibility.handlers.outcomes import Outcome, backoff, resolve_records
from services.eligibility.handlers.ports import EligibilityRepository
from services.eligibility.handlers.verify_coverage import VerifyCoverage
from shared.concurrency import gather_at_most
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import Outgoing, Publisher


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
        await self.finish_resolved([key for key, rec in records.items() if rec["status"] not in WAITING], records)
        still = [
            EncounterCompleted.model_validate(rec["encounter"])
            for rec in records.values()
            if rec["status"] == EncounterStatus.WAITING_PAYER
        ]
        groups: dict[str, list[EncounterCompleted]] = {}
        for encounter in still:
            coverage = coverage_of(encounter)
            groups.setdefault(coverage.key if coverage else encounter.key, []).append(encounter)
        outcomes = await self.verify.ask_payers(groups, now)
        return await self.apply(outcomes, {entry.key: entry for entry in due}, now)

    async def finish_resolved(self, keys: list[str], records: dict[str, dict[str, Any]]) -> None:
        """A record resolved before its waiting entry was cleared (a crash in between): re-send, clear."""
        outbox = [Outgoing(**m) for key in keys for m in records[key].get("resolution_outbox", [])]
        if outbox:
            await self.publisher.publish(outbox)
        await self.repo.clear_waiting(keys)

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
