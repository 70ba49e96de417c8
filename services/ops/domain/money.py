"""The money of one encounter's claim, read from the balanced journals remittance posted, and A/R
aging. Insurance A/R opens with the billed charge when the claim is submitted; each posting credits
it (a reversal debits it back); what is left is outstanding."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.ops.domain.trail import Trail

# The reporting convention of A/R aging (days since the claim was first submitted): lower bound,
# upper bound (None: open), label.
AGING_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 30, "0-30"),
    (31, 60, "31-60"),
    (61, 90, "61-90"),
    (91, 120, "91-120"),
    (121, None, ">120"),
)


@dataclass(frozen=True)
class Money:
    billed: int
    paid: int
    patient_responsibility: int
    contractual: int
    written_off: int
    other_adjustments: int
    outstanding: int

    @property
    def allowed(self) -> int:
        return self.paid + self.patient_responsibility


def billed(trail: Trail) -> int:
    """The charge of the claim's current version; a void (frequency 8) bills nothing."""
    current = trail.submissions[-1] if trail.submissions else None
    return 0 if current is None or current.frequency_code == "8" else current.charge_cents


def money_of(trail: Trail) -> Money:
    signed: dict[str, int] = defaultdict(int)
    for posting in trail.postings:
        for account, cents in posting.accounts:
            signed[account] += cents
    charge = billed(trail)
    return Money(
        billed=charge,
        paid=signed["cash"],
        patient_responsibility=signed["patient_ar"],
        contractual=signed["contractual_adjustment"],
        written_off=signed["denial_writeoff"],
        other_adjustments=signed["other_adjustment"],
        outstanding=max(charge + signed["insurance_ar"], 0),
    )


def bucket_of(days: int) -> str:
    for low, high, label in AGING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGING_BUCKETS[0][2]  # a claim dated after `as_of` (clock skew) is current


def aging(trails: Iterable[Trail], as_of: datetime) -> dict[str, dict[str, int]]:
    """Outstanding insurance A/R in cents by payer and bucket."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: {label: 0 for _, _, label in AGING_BUCKETS})
    for trail in trails:
        outstanding = money_of(trail).outstanding
        if outstanding and trail.submissions:
            first = trail.submissions[0]
            found[first.payer_id][bucket_of((as_of - first.at).days)] += outstanding
    return dict(found)
