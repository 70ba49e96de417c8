"""Coverage verification decisions. Pure: no I/O, no clock (now is passed in)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.eligibility.domain.benefits import Decision, PayerSaid, decide, decision_from_errors
from services.eligibility.domain.inquiry import Inquiry
from services.eligibility.domain.policy import EligibilityRules, VerificationPolicy
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import Benefits, Evidence, Verification


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


def verification_id(basis: str, at: datetime) -> str:
    return hashlib.sha1(f"{basis}|{at.isoformat()}".encode()).hexdigest()[:20]


def without_inquiry(encounter: EncounterCompleted, now: datetime) -> Verification | None:
    """Self-pay and encounters that cannot be asked about are decided without the payer."""
    if encounter.coverage.plan_type == "self_pay":
        return verification(
            encounter, now, Decision("self_pay", "self-pay encounter: no payer inquiry"), "not_applicable"
        )
    missing = missing_for_billing(encounter)
    if missing:
        reason = "cannot ask the payer, missing: " + ", ".join(missing)
        return verification(encounter, now, Decision("needs_manual", reason), "structural")
    return None


def reusable(previous: Verification | None, on: date, policy: VerificationPolicy, plan_type: str) -> bool:
    """A stored verification with the payer's benefits, of this plan year, inside the payer's window."""
    if previous is None or previous.benefits is None:
        return False
    window = policy.validity_days(plan_type, on)
    return previous.plan_year == on.year and previous.verified_at.date() + timedelta(days=window) >= on


def reused_for(encounter: EncounterCompleted, previous: Verification, rules: EligibilityRules) -> Verification:
    assert previous.benefits is not None
    decision = decide(encounter, previous.benefits, rules)
    when = previous.verified_at.date()
    return previous.model_copy(
        update={
            "reused": True,
            "outcome": decision.outcome,
            "reason": f"{decision.reason} (reused {previous.method} verification of {when})",
            "patient_responsibility_cents": decision.patient_responsibility_cents,
        }
    )


def from_payer(
    encounter: EncounterCompleted, said: PayerSaid, inquiry: Inquiry, rules: EligibilityRules, now: datetime
) -> Verification:
    decision = decide(encounter, said.benefits, rules) if said.benefits else decision_from_errors(said, rules)
    evidence = Evidence(
        trace_number=inquiry.trace_number,
        interchange_control_number=f"{inquiry.control_number:09d}",
        payer_errors=list(said.errors),
    )
    return verification(encounter, now, decision, "x12_270_271", said.benefits, evidence)


def unreachable(encounter: EncounterCompleted, attempts: int, error: str, now: datetime) -> Verification:
    reason = f"payer unreachable after {attempts} attempt(s): {error}; waiting to ask again"
    return verification(encounter, now, Decision("needs_manual", reason), "x12_270_271")


def from_phone(
    encounter: EncounterCompleted, benefits: Benefits, evidence: Evidence, rules: EligibilityRules, now: datetime
) -> Verification:
    decision = decide(encounter, benefits, rules)
    reason = f"{decision.reason}; by phone (the reference is in the evidence)"
    return verification(
        encounter,
        now,
        Decision(decision.outcome, reason, decision.patient_responsibility_cents),
        "phone",
        benefits,
        evidence,
    )


def verification(
    encounter: EncounterCompleted,
    now: datetime,
    decision: Decision,
    method: str,
    benefits: Benefits | None = None,
    evidence: Evidence | None = None,
) -> Verification:
    coverage = coverage_of(encounter)
    return Verification(
        verification_id=verification_id(coverage.key if coverage else encounter.key, now),
        outcome=decision.outcome,
        method=method,  # type: ignore[arg-type]
        verified_at=now,
        reused=False,
        plan_year=encounter.encounter.date_of_service.year,
        reason=decision.reason,
        patient_responsibility_cents=decision.patient_responsibility_cents,
        benefits=benefits,
        evidence=evidence,
    )
