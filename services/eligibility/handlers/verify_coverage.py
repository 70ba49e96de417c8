"""`encounter-completed` → coverage verified (a stored verification reused, or the payer asked) →
`coverage-verified`, or the encounter waits for the payer or a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.eligibility.domain.inquiry import inquiry_for
from services.eligibility.domain.model import (
    coverage_of,
    reusable,
    reused_for,
    without_inquiry,
)
from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.status import WAITING, EncounterStatus, after_deciding
from services.eligibility.handlers.asking_payers import PayerAsker
from services.eligibility.handlers.outcomes import Outcome, outcome_from, record_for, waiting_for
from services.eligibility.handlers.ports import EligibilityRepository
from shared.contracts.encounter import EncounterCompleted
from shared.messaging import Publisher


class VerifyCoverage:
    def __init__(
        self,
        repo: EligibilityRepository,
        publisher: Publisher,
        rules: EligibilityRules,
        asker: PayerAsker,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo, self.publisher, self.rules, self.asker, self.clock = repo, publisher, rules, asker, clock

    async def __call__(self, encounters: list[EncounterCompleted]) -> None:
        unique = {encounter.key: encounter for encounter in encounters}
        known = await self.repo.known(list(unique))
        outcomes = await self.decide_all([e for key, e in unique.items() if key not in known])
        await self.repo.save_waiting([waiting_for(o, self.clock()) for o in outcomes if o.status in WAITING])
        redelivered = [key for key in unique if key in known]
        inserted = await self.repo.save_and_publish([record_for(o) for o in outcomes], redelivered, self.publisher)
        # A redelivered encounter was decided before: only new encounters' verifications are kept.
        await self.repo.save_verifications([o.saved for o in outcomes if o.saved and o.encounter.key in inserted])

    async def decide_all(self, encounters: list[EncounterCompleted]) -> list[Outcome]:
        now = self.clock()
        coverages = {e.key: coverage_of(e) for e in encounters}
        latest = await self.repo.latest_verifications({c.key for c in coverages.values() if c})
        decided: list[Outcome] = []
        to_ask: dict[str, list[EncounterCompleted]] = {}
        for encounter in encounters:
            local = without_inquiry(encounter, now)
            coverage = coverages[encounter.key]
            if local is not None or coverage is None:
                assert local is not None
                decided.append(Outcome(encounter, local, after_deciding(local.outcome)))
            elif reusable(
                latest.get(coverage.key),
                encounter.encounter.date_of_service,
                self.rules.reuse,
                encounter.coverage.plan_type,
            ):
                decided.append(
                    Outcome(
                        encounter, reused_for(encounter, latest[coverage.key], self.rules), EncounterStatus.VERIFIED
                    )
                )
            else:
                to_ask.setdefault(coverage.key, []).append(encounter)
        return decided + await self.ask_payers(to_ask, now)

    async def ask_payers(self, groups: dict[str, list[EncounterCompleted]], now: datetime) -> list[Outcome]:
        """One 270 per coverage, however many of its encounters are in the batch."""
        inquiries = [inquiry_for(group[0], self.service_types(group[0]), now) for group in groups.values()]
        answers = await self.asker.ask_all(inquiries, now)
        return [
            outcome_from(encounter, answer, self.rules, now)
            for answer, group in zip(answers, groups.values(), strict=True)
            for encounter in group
        ]

    def service_types(self, encounter: EncounterCompleted) -> tuple[str, ...]:
        return tuple(self.rules.inquiry.service_types.get(encounter.encounter.modality, ["30"]))
