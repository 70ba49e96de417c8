"""Coverage verification decisions. Pure: no I/O, no clock (today is passed in)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.eligibility.domain.policy import VerificationPolicy
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageOutcome, Verification


@dataclass(frozen=True)
class CoverageId:
    payer_id: str
    member_id: str
    plan_year: int

    @property
    def key(self) -> str:
        return f"{self.payer_id}|{self.member_id}|{self.plan_year}"


def coverage_of(encounter: EncounterCompleted) -> CoverageId | None:
    coverage = encounter.coverage
    if coverage.plan_type == "self_pay" or not coverage.payer_id or not coverage.member_id:
        return None
    return CoverageId(coverage.payer_id, coverage.member_id, encounter.encounter.date_of_service.year)


def missing_for_billing(encounter: EncounterCompleted) -> list[str]:
    coverage = encounter.coverage
    if coverage.plan_type == "self_pay":
        return []
    missing = [name for name in ("payer_id", "member_id") if not getattr(coverage, name)]
    if coverage.subscriber_relationship != "self" and coverage.subscriber is None:
        missing.append("subscriber (the patient is not the subscriber)")
    return missing


def still_valid(previous: Verification, on: date, policy: VerificationPolicy, plan_type: str) -> bool:
    window = policy.validity_days(plan_type, on)
    return previous.plan_year == on.year and previous.verified_at.date() + timedelta(days=window) >= on


def verification_id(coverage: CoverageId | None, encounter_key: str, at: datetime) -> str:
    basis = coverage.key if coverage else encounter_key
    return hashlib.sha1(f"{basis}|{at.isoformat()}".encode()).hexdigest()[:20]


def verify(
    encounter: EncounterCompleted, previous: Verification | None, policy: VerificationPolicy, now: datetime
) -> Verification:
    """Decide this encounter's coverage outcome, reusing a still-valid verification of the same coverage."""
    day = encounter.encounter.date_of_service
    plan_type = encounter.coverage.plan_type
    if previous is not None and still_valid(previous, day, policy, plan_type):
        return previous.model_copy(update={"reused": True})
    coverage = coverage_of(encounter)
    outcome, method, reason = first_outcome(encounter)
    return Verification(
        verification_id=verification_id(coverage, encounter.key, now),
        outcome=outcome,
        method=method,
        verified_at=now,
        reused=False,
        plan_year=day.year,
        reason=reason,
    )


def first_outcome(encounter: EncounterCompleted) -> tuple[CoverageOutcome, str, str]:
    if encounter.coverage.plan_type == "self_pay":
        return "self_pay", "not_applicable", "self-pay encounter: no payer inquiry"
    missing = missing_for_billing(encounter)
    if missing:
        return "needs_manual", "structural", "cannot verify coverage, missing: " + ", ".join(missing)
    return (
        "covered",
        "structural",
        ("member and payer identifiers present; payer inquiry (X12 270/271) not performed by this version"),
    )
