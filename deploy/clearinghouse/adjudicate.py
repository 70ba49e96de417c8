"""Simulated payer adjudication: billed claims in, per-claim decisions out. Pure; rules come from
payer_fees.json (read by the caller and handed over as a dict).

Per line: allowed = min(charge, fee x units); CO-45 = charge - allowed; the patient share
(coinsurance PR-2 or a per-claim copay PR-3) comes out of allowed; paid = allowed - patient share.
A small deterministic slice of claims is denied outright, chosen by hashing the PCN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

PAYER_FEES_PATH = Path(__file__).with_name("payer_fees.json")
STATUS_PROCESSED_PRIMARY = "1"
STATUS_DENIED = "4"


@dataclass(frozen=True)
class BilledLine:
    code: str
    modifiers: tuple[str, ...]
    charge_cents: int
    units: Decimal
    service_date: date


@dataclass(frozen=True)
class BilledClaim:
    patient_control_number: str
    payer_id: str
    payer_name: str
    filing_indicator: str  # SBR09
    total_charge_cents: int
    lines: tuple[BilledLine, ...]
    patient_last_name: str = ""
    patient_first_name: str = ""
    member_id: str = ""
    frequency_code: str = "1"
    billing_provider_npi: str = ""
    billing_provider_name: str = ""


@dataclass(frozen=True)
class Adjustment:
    group: str
    reason: str
    amount_cents: int


@dataclass(frozen=True)
class LineDecision:
    line: BilledLine
    allowed_cents: int
    paid_cents: int
    adjustments: tuple[Adjustment, ...]
    remark_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimDecision:
    claim: BilledClaim
    status_code: str
    payer_claim_number: str
    claim_filing_code: str  # CLP06
    lines: tuple[LineDecision, ...]

    @property
    def charge_cents(self) -> int:
        return sum(d.line.charge_cents for d in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(d.paid_cents for d in self.lines)

    @property
    def patient_responsibility_cents(self) -> int:
        return sum(a.amount_cents for d in self.lines for a in d.adjustments if a.group == "PR")

    @property
    def adjustments_cents(self) -> int:
        return sum(a.amount_cents for d in self.lines for a in d.adjustments)


# --- rules, as read from payer_fees.json ---------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    fees_cents: Mapping[str, int]
    patient_share: Mapping[str, Any]
    clp06: str


@dataclass(frozen=True)
class DenialBucket:
    below: int
    group: str
    carc: str
    rarc: str


@dataclass(frozen=True)
class Reduction:
    below: int
    group: str
    carc: str
    percent: int


@dataclass(frozen=True)
class FeeRules:
    effective_from: date
    effective_to: date
    plan_type_by_filing_indicator: Mapping[str, str]
    by_plan_type: Mapping[str, Schedule]
    by_payer_id: Mapping[str, Schedule]
    contractual: Adjustment  # amount unused; group and reason for charge - allowed
    not_on_schedule: DenialBucket
    bucket_modulus: int
    denial_buckets: tuple[DenialBucket, ...]
    reductions: tuple[Reduction, ...] = ()


def fee_rules_from_dict(data: Mapping[str, Any]) -> FeeRules:
    base = {code: int(cents) for code, cents in data["base_fees_cents"].items()}
    denials = data["denials"]
    return FeeRules(
        effective_from=date.fromisoformat(data["effective"]["from"]),
        effective_to=date.fromisoformat(data["effective"]["to"]),
        plan_type_by_filing_indicator=dict(data["plan_type_by_filing_indicator"]),
        by_plan_type={k: _schedule(v, base) for k, v in data["schedules_by_plan_type"].items()},
        by_payer_id={k: _schedule(v, base) for k, v in data.get("schedules_by_payer_id", {}).items()},
        contractual=Adjustment(data["contractual_adjustment"]["group"], data["contractual_adjustment"]["carc"], 0),
        not_on_schedule=_bucket({"below": 0, **data["code_not_on_schedule"]}),
        bucket_modulus=int(denials["bucket_modulus"]),
        denial_buckets=tuple(_bucket(b) for b in denials["buckets"]),
        reductions=tuple(
            Reduction(int(r["below"]), r["group"], r["carc"], int(r["percent"])) for r in denials.get("reductions", [])
        ),
    )


def _schedule(raw: Mapping[str, Any], base: Mapping[str, int]) -> Schedule:
    percent = Decimal(raw.get("percent_of_base", 100))
    fees = {code: _round_cents(Decimal(cents) * percent / 100) for code, cents in base.items()}
    fees.update({code: int(cents) for code, cents in raw.get("fees_cents", {}).items()})
    return Schedule(fees, dict(raw["patient_share"]), raw["clp06"])


def _bucket(raw: Mapping[str, Any]) -> DenialBucket:
    return DenialBucket(int(raw["below"]), raw["group"], raw["carc"], raw.get("rarc", ""))


# --- adjudication ----------------------------------------------------------------------------------


def adjudicate(claims: Sequence[BilledClaim], rules: FeeRules) -> list[ClaimDecision]:
    return [adjudicate_claim(claim, rules) for claim in claims]


def adjudicate_claim(claim: BilledClaim, rules: FeeRules) -> ClaimDecision:
    _check_effective(claim, rules)
    schedule = schedule_for(claim, rules)
    bucket = denial_bucket(claim.patient_control_number, rules)
    if bucket is not None:
        lines = tuple(_denied_line(line, bucket) for line in claim.lines)
    else:
        lines = _priced_lines(claim.lines, schedule, rules)
        reduction = reduction_for(claim.patient_control_number, rules)
        lines = tuple(_reduced(line, reduction) for line in lines) if reduction else lines
    status = (
        STATUS_DENIED if all(d.paid_cents == 0 and d.allowed_cents == 0 for d in lines) else STATUS_PROCESSED_PRIMARY
    )
    return ClaimDecision(claim, status, payer_claim_number(claim.patient_control_number), schedule.clp06, lines)


def _check_effective(claim: BilledClaim, rules: FeeRules) -> None:
    for line in claim.lines:
        if not rules.effective_from <= line.service_date <= rules.effective_to:
            raise ValueError(
                f"{claim.patient_control_number}: service date {line.service_date} outside the fee data's"
                f" effective range {rules.effective_from}..{rules.effective_to}"
            )


def schedule_for(claim: BilledClaim, rules: FeeRules) -> Schedule:
    if claim.payer_id in rules.by_payer_id:
        return rules.by_payer_id[claim.payer_id]
    plan_type = rules.plan_type_by_filing_indicator.get(claim.filing_indicator, "")
    if plan_type not in rules.by_plan_type:
        raise ValueError(f"{claim.patient_control_number}: no schedule for filing indicator {claim.filing_indicator!r}")
    return rules.by_plan_type[plan_type]


def _slot(patient_control_number: str, rules: FeeRules) -> int:
    digest = hashlib.sha256(patient_control_number.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % rules.bucket_modulus


def denial_bucket(patient_control_number: str, rules: FeeRules) -> DenialBucket | None:
    slot = _slot(patient_control_number, rules)
    return next((b for b in rules.denial_buckets if slot < b.below), None)


def reduction_for(patient_control_number: str, rules: FeeRules) -> Reduction | None:
    slot = _slot(patient_control_number, rules)
    return next((r for r in rules.reductions if slot < r.below), None)


def _reduced(decision: LineDecision, reduction: Reduction) -> LineDecision:
    """Pay less than allowed, with the payer's reason for the difference."""
    cut = _round_cents(Decimal(decision.paid_cents) * reduction.percent / 100)
    if cut <= 0:
        return decision
    extra = Adjustment(reduction.group, reduction.carc, cut)
    return replace(decision, paid_cents=decision.paid_cents - cut, adjustments=(*decision.adjustments, extra))


def payer_claim_number(patient_control_number: str) -> str:
    digest = hashlib.sha256(b"payer-icn:" + patient_control_number.encode("utf-8")).hexdigest()
    return str(int(digest[:15], 16)).zfill(18)[:18]


def _denied_line(line: BilledLine, bucket: DenialBucket) -> LineDecision:
    adjustment = Adjustment(bucket.group, bucket.carc, line.charge_cents)
    return LineDecision(line, 0, 0, (adjustment,), (bucket.rarc,) if bucket.rarc else ())


def _priced_lines(lines: tuple[BilledLine, ...], schedule: Schedule, rules: FeeRules) -> tuple[LineDecision, ...]:
    copay_left = int(schedule.patient_share.get("cents", 0)) if schedule.patient_share["kind"] == "copay" else 0
    decisions = []
    for line in lines:
        fee = schedule.fees_cents.get(line.code)
        if fee is None:
            decisions.append(_denied_line(line, rules.not_on_schedule))
            continue
        allowed = min(line.charge_cents, _round_cents(Decimal(fee) * line.units))
        patient = _patient_share(allowed, schedule.patient_share, copay_left)
        copay_left -= patient if schedule.patient_share["kind"] == "copay" else 0
        decisions.append(_paid_line(line, allowed, patient, schedule.patient_share, rules.contractual))
    return tuple(decisions)


def _patient_share(allowed: int, share: Mapping[str, Any], copay_left: int) -> int:
    if share["kind"] == "coinsurance":
        return _round_cents(Decimal(allowed) * Decimal(share["percent"]) / 100)
    if share["kind"] == "copay":
        return min(allowed, copay_left)
    return 0


def _paid_line(
    line: BilledLine, allowed: int, patient: int, share: Mapping[str, Any], contractual: Adjustment
) -> LineDecision:
    candidates = [
        Adjustment(contractual.group, contractual.reason, line.charge_cents - allowed),
        Adjustment(share.get("group", "PR"), share.get("carc", ""), patient),
    ]
    adjustments = tuple(a for a in candidates if a.amount_cents > 0)
    return LineDecision(line, allowed, allowed - patient, adjustments)


def _round_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
