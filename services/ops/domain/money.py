"""The money of one encounter's claim, read from the balanced journals remittance posted, and A/R
aging. Insurance A/R opens with the billed charge when the claim is submitted; each posting credits
it (a reversal debits it back); what is left is outstanding."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from services.ops.domain.trail import Trail

if TYPE_CHECKING:
    from services.ops.domain.summary import Summary

# The reporting convention of A/R aging (days since the date of service, as practices age their
# A/R): lower bound, upper bound (None: open), label.
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


def aging(summaries: Iterable[Summary], as_of: datetime) -> dict[str, dict[str, int]]:
    """Outstanding insurance A/R in cents by payer and bucket (days since the visit ended, or since the
    claim went out when the visit is unknown)."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: {label: 0 for _, _, label in AGING_BUCKETS})
    for summary in summaries:
        since = summary.visit_end or summary.first_submitted_at
        if summary.money.outstanding and since is not None:
            days = (as_of - since).days
            found[summary.payer_id or "(unknown payer)"][bucket_of(days)] += summary.money.outstanding
    return dict(found)


MONEY_FIELDS = (
    "billed",
    "allowed",
    "paid",
    "patient_responsibility",
    "contractual",
    "written_off",
    "other_adjustments",
    "outstanding",
)


def cents_of(money: Money) -> dict[str, int]:
    return {name: getattr(money, name) for name in MONEY_FIELDS}


def add_up(groups: Iterable[dict[str, int]]) -> dict[str, int]:
    found = dict.fromkeys(MONEY_FIELDS, 0)
    for group in groups:
        for name in MONEY_FIELDS:
            found[name] += group[name]
    return found


def money_by(summaries: Iterable[Summary]) -> dict[tuple[str, str], dict[str, int]]:
    """Money in cents by (payer, month of the visit — the date of service, YYYY-MM) of submitted claims."""
    grouped: dict[tuple[str, str], list[Money]] = defaultdict(list)
    for summary in summaries:
        if summary.submissions and summary.visit_end is not None:
            grouped[(summary.payer_id or "(unknown payer)", summary.visit_end.strftime("%Y-%m"))].append(summary.money)
    return {group: add_up(map(cents_of, moneys)) for group, moneys in sorted(grouped.items())}


def per_payer(grouped: dict[tuple[str, str], dict[str, int]]) -> dict[str, dict[str, int]]:
    """`money_by`'s groups added up over the months, per payer."""
    payers = sorted({payer for payer, _ in grouped})
    return {payer: add_up(cents for (owner, _), cents in grouped.items() if owner == payer) for payer in payers}


def bucket_totals(aged: dict[str, dict[str, int]]) -> dict[str, int]:
    """`aging`'s buckets added up over the payers: together, the outstanding A/R."""
    return {label: sum(row[label] for row in aged.values()) for _, _, label in AGING_BUCKETS}
