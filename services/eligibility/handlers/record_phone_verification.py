"""A person's phone verification, with its call reference, resolves a waiting encounter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from services.eligibility.domain.model import from_phone
from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.records import Exchange, SavedVerification
from services.eligibility.domain.status import after_deciding
from services.eligibility.handlers.outcomes import Outcome, resolve_records
from services.eligibility.handlers.ports import EligibilityRepository
from shared.contracts.events import Benefits, Evidence, Verification
from shared.messaging import Publisher


@dataclass(frozen=True)
class PhoneCall:
    """The telemedicine coverage verification form, as ops fill it in after calling the payer."""

    verified_by: str
    called_at: datetime
    payer_representative: str
    call_reference: str
    covered: bool
    telehealth_covered: bool | None
    audio_only_covered: bool | None
    copay_cents: int | None
    coinsurance_percent: str | None
    deductible_remaining_cents: int | None
    plan_end: date | None = None
    notes: str | None = None

    def benefits(self) -> Benefits:
        telehealth = (
            {} if self.telehealth_covered is None else {"10": self.telehealth_covered, "02": self.telehealth_covered}
        )
        return Benefits(
            active=self.covered,
            plan_end=self.plan_end,
            telehealth_by_place_of_service=telehealth,
            audio_only_covered=self.audio_only_covered,
            copay_cents=self.copay_cents,
            coinsurance_percent=self.coinsurance_percent,
            deductible_remaining_cents=self.deductible_remaining_cents,
        )

    def evidence(self) -> Evidence:
        return Evidence(
            call_reference=self.call_reference,
            payer_representative=self.payer_representative,
            verified_by=self.verified_by,
            called_at=self.called_at,
            notes=self.notes,
        )


@dataclass(frozen=True)
class PhoneResult:
    status: str  # resolved | recorded | not_found | not_applicable
    verification: Verification | None = None
    message: str = ""


class RecordPhoneVerification:
    def __init__(
        self, repo: EligibilityRepository, publisher: Publisher, rules: EligibilityRules, clock: Callable[[], datetime]
    ) -> None:
        self.repo, self.publisher, self.rules, self.clock = repo, publisher, rules, clock

    async def __call__(self, key: str, call: PhoneCall) -> PhoneResult:
        record = (await self.repo.records([key])).get(key)
        if record is None:
            return PhoneResult("not_found", message=f"no eligibility record for {key}")
        encounter, coverage = record.encounter, record.coverage
        if coverage is None:
            return PhoneResult(
                "not_applicable", message=f"{key} has no payer and member to verify (self-pay or ids missing)"
            )
        found = from_phone(encounter, call.benefits(), call.evidence(), self.rules, self.clock())
        await self.repo.save_verifications([SavedVerification(coverage, Exchange(found))])
        status = after_deciding(found.outcome)
        if record.waiting and await resolve_records(self.repo, self.publisher, [Outcome(encounter, found, status)]):
            return PhoneResult("resolved", found)
        await self.repo.add_evidence(key, found)
        return PhoneResult("recorded", found, f"{key} was already {record.status}: kept as evidence")
