"""Posting one 835 claim payment: its status, its adjustments and balanced journal lines. Pure."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from services.remittance.domain.era import ClaimPayment
from shared.contracts.events import Adjustment, JournalAccount, JournalLine
from shared.rules import Sourced, load_rule_file

RULES_FILE = Path(__file__).resolve().parent.parent / "rules" / "posting.yaml"
# CLP02 values of the 835 guide itself (format vocabulary, not a payer rule).
DENIED_STATUS = {"4"}
REVERSAL_STATUS = {"22"}


class OrdinaryAdjustment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    reason: str  # a CARC, or "*" for every reason of the group
    why: str


class PostingRules(Sourced):
    account_by_group: dict[str, JournalAccount]
    ordinary_adjustments: list[OrdinaryAdjustment]

    def is_ordinary(self, adjustment: Adjustment) -> bool:
        return any(
            rule.group == adjustment.group_code and rule.reason in ("*", adjustment.reason_code)
            for rule in self.ordinary_adjustments
        )


def load_posting_rules(path: Path = RULES_FILE) -> PostingRules:
    return load_rule_file(path, PostingRules)


MEMO: dict[JournalAccount, str] = {
    "cash": "payer payment",
    "insurance_ar": "claim charge leaves insurance A/R",
    "contractual_adjustment": "contractual adjustments (CO)",
    "patient_ar": "patient responsibility (PR)",
    "denial_writeoff": "denied: written off pending appeal",
    "other_adjustment": "other adjustments (OA/PI/CR)",
}


def posting_key(trace: str, claim: ClaimPayment) -> str:
    """One posting per (ERA trace, claim, CLP02): the same 835 twice posts once; a reversal is its own."""
    return f"{trace}:{claim.patient_control_number}:{claim.status_code}"


def adjustments(claim: ClaimPayment) -> list[Adjustment]:
    found = list(claim.adjustments) + [adj for line in claim.lines for adj in line.adjustments]
    return [Adjustment(group_code=a.group, reason_code=a.reason, amount_cents=a.amount_cents) for a in found]


def claim_status(claim: ClaimPayment, rules: PostingRules) -> str:
    if claim.status_code in REVERSAL_STATUS:
        return "reversed"
    if claim.status_code in DENIED_STATUS or (claim.paid_cents == 0 and claim.charge_cents > 0):
        return "denied"
    return "partially_paid" if reduced(claim, rules) else "paid"


def reduced(claim: ClaimPayment, rules: PostingRules) -> bool:
    """Paid less than allowed: a line denied outright, or an adjustment that is not ordinary."""
    line_denied = any(line.paid_cents == 0 and line.charge_cents > 0 for line in claim.lines)
    return line_denied or not all(rules.is_ordinary(a) for a in adjustments(claim))


def signed_amounts(claim: ClaimPayment, rules: PostingRules) -> dict[JournalAccount, int]:
    """Debits positive, credits negative. Charge = paid + adjustments, so they sum to zero."""
    denied = claim_status(claim, rules) == "denied"
    amounts: dict[JournalAccount, int] = defaultdict(int)
    amounts["insurance_ar"] -= claim.charge_cents
    amounts["cash"] += claim.paid_cents
    for adj in adjustments(claim):
        account = rules.account_by_group[adj.group_code]
        if denied and adj.group_code != "PR":
            account = "denial_writeoff"
        amounts[account] += adj.amount_cents
    return amounts


def journal(claim: ClaimPayment, rules: PostingRules) -> list[JournalLine]:
    return [
        JournalLine(account=account, debit_cents=max(cents, 0), credit_cents=max(-cents, 0), memo=MEMO[account])
        for account, cents in signed_amounts(claim, rules).items()
        if cents
    ]
