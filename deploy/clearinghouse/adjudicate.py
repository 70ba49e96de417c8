"""Simulated payer adjudication: billed claims in, per-claim decisions out. Pure; rules come from
payer_fees.json (read by the caller and handed over as a dict).

Per line: allowed = min(charge, fee x units); CO-45 = charge - allowed; the patient share
(coinsurance PR-2 or a per-claim copay PR-3) comes out of allowed; paid = allowed - patient share.
A small deterministic slice of claims is denied outright, chosen by hashing the PCN. Claims of
reprocessing members are later reversed and paid again (`reprocessed`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

PAYER_FEES_PATH = Path(__file__).with_name("payer_fees.json")
STATUS_PROCESSED_PRIMARY = "1"
STATUS_DENIED = "4"
STATUS_REVERSAL = "22"


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
class Reprocessing:
    member_prefix: str
    repaid_percent: int
    group: str
    carc: str


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
    reprocessing: Reprocessing | None = None


def load_fee_rules(path: Path = PAYER_FEES_PATH) -> FeeRules:
    return fee_rules_from_dict(json.loads(path.read_text(encoding="utf-8")))


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
        reprocessing=_reprocessing(data.get("reprocessing")),
    )


def _reprocessing(raw: Mapping[str, Any] | None) -> Reprocessing | None:
    if raw is None:
        return None
    percent = int(raw["repaid_percent"])
    if percent < 100:
        raise ValueError(f"reprocessing.repaid_percent {percent} < 100: a lower repayment nets a negative check")
    return Reprocessing(raw["member_prefix"].upper(), percent, raw["group"], raw["carc"])


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


# --- reprocessing ---------------------------------------------------------------------------------


def reprocessed(decisions: Sequence[ClaimDecision], rules: FeeRules) -> list[ClaimDecision]:
    """What the payer sends later for the paid claims of reprocessing members: for each, the reversal
    of the payment and the corrected payment, in that order (as payers put them in one 835)."""
    rule = rules.reprocessing
    if rule is None:
        return []
    chosen = [d for d in decisions if _reprocessed(d, rule)]
    return [step for d in chosen for step in (reversal_of(d), corrected(d, rule))]


def _reprocessed(decision: ClaimDecision, rule: Reprocessing) -> bool:
    return (
        decision.status_code == STATUS_PROCESSED_PRIMARY
        and decision.paid_cents > 0
        and decision.claim.member_id.upper().startswith(rule.member_prefix)
    )


def reversal_of(decision: ClaimDecision) -> ClaimDecision:
    """CLP02 22: the same claim with every amount negated, under the payer claim number it was paid as."""
    claim = replace(decision.claim, total_charge_cents=-decision.claim.total_charge_cents)
    return replace(decision, claim=claim, status_code=STATUS_REVERSAL, lines=tuple(map(_negated, decision.lines)))


def _negated(decision: LineDecision) -> LineDecision:
    line = replace(decision.line, charge_cents=-decision.line.charge_cents)
    adjustments = tuple(replace(a, amount_cents=-a.amount_cents) for a in decision.adjustments)
    return replace(decision, line=line, allowed_cents=-decision.allowed_cents, paid_cents=-decision.paid_cents,
                   adjustments=adjustments)  # fmt: skip


def corrected(decision: ClaimDecision, rule: Reprocessing) -> ClaimDecision:
    """Paid again under a new payer claim number at repaid_percent of the first payment per line."""
    lines = tuple(_repaid(line, rule) for line in decision.lines)
    number = payer_claim_number(f"{decision.claim.patient_control_number}:reprocessed")
    return replace(decision, payer_claim_number=number, lines=lines)


def _repaid(decision: LineDecision, rule: Reprocessing) -> LineDecision:
    """The raise comes out of the contractual adjustment and is capped by it, so the line balances."""
    source = next((a for a in decision.adjustments if (a.group, a.reason) == (rule.group, rule.carc)), None)
    if source is None:
        return decision
    wanted = _round_cents(Decimal(decision.paid_cents) * rule.repaid_percent / 100) - decision.paid_cents
    raise_cents = min(wanted, source.amount_cents)
    if raise_cents <= 0:
        return decision
    left = replace(source, amount_cents=source.amount_cents - raise_cents)
    adjustments = tuple(a for a in (left if a is source else a for a in decision.adjustments) if a.amount_cents)
    return replace(decision, allowed_cents=decision.allowed_cents + raise_cents,
                   paid_cents=decision.paid_cents + raise_cents, adjustments=adjustments)  # fmt: skip
