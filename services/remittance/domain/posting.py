"""Posting one 835 claim payment: its status, its adjustments and balanced journal lines. Pure."""

from __future__ import annotations

from collections import defaultdict

from services.remittance.domain.era import ClaimPayment
from shared.contracts.events import Adjustment, JournalLine

DENIED_STATUS = {"4"}
REVERSAL_STATUS = {"22"}
ACCOUNT_BY_GROUP = {
    "CO": "contractual_adjustment",
    "PR": "patient_ar",
    "OA": "other_adjustment",
    "PI": "other_adjustment",
    "CR": "other_adjustment",
}
MEMO = {
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


def claim_status(claim: ClaimPayment) -> str:
    if claim.status_code in REVERSAL_STATUS:
        return "reversed"
    if claim.status_code in DENIED_STATUS or (claim.paid_cents == 0 and claim.charge_cents > 0):
        return "denied"
    return "partially_paid" if reduced(claim) else "paid"


def reduced(claim: ClaimPayment) -> bool:
    """Paid less than allowed: a line denied outright, or an adjustment beyond contract and patient share."""
    line_denied = any(line.paid_cents == 0 and line.charge_cents > 0 for line in claim.lines)
    beyond = [a for a in adjustments(claim) if a.group_code != "PR" and (a.group_code, a.reason_code) != ("CO", "45")]
    return line_denied or bool(beyond)


def signed_amounts(claim: ClaimPayment) -> dict[str, int]:
    """Debits positive, credits negative. Charge = paid + adjustments, so they sum to zero."""
    denied = claim_status(claim) == "denied"
    amounts: dict[str, int] = defaultdict(int)
    amounts["insurance_ar"] -= claim.charge_cents
    amounts["cash"] += claim.paid_cents
    for adj in adjustments(claim):
        account = ACCOUNT_BY_GROUP[adj.group_code]
        if denied and adj.group_code != "PR":
            account = "denial_writeoff"
        amounts[account] += adj.amount_cents
    return amounts


def journal(claim: ClaimPayment) -> list[JournalLine]:
    return [
        JournalLine(account=account, debit_cents=max(cents, 0), credit_cents=max(-cents, 0), memo=MEMO[account])
        for account, cents in signed_amounts(claim).items()
        if cents
    ]
