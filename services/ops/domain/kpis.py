"""Revenue-cycle KPIs over the encounters whose visit ended in a period, from their trails only.
Definitions (also in the README):
- clean-claim rate: coded encounters whose claim went out (passed the scrubber) / coded encounters;
- first-pass acceptance rate: claims adjudicated on their first submission with a first remittance
  that pays (paid or partially paid) / adjudicated claims;
- denial rate by category: adjudicated claims with a denial of that category / adjudicated claims;
- days in A/R: outstanding insurance A/R / average billed per day of the period;
- net collection rate: paid / (billed − contractual adjustments), over adjudicated claims;
- median and p95 hours from visit end to claim submitted, and to the first payment posted."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.ops.domain.money import money_of
from services.ops.domain.trail import Coded, Trail


@dataclass(frozen=True)
class Kpis:
    encounters: int
    clean_claim_rate: float | None
    first_pass_acceptance_rate: float | None
    denial_rate_by_category: dict[str, float]
    days_in_ar: float | None
    net_collection_rate: float | None
    hours_to_submitted: tuple[float | None, float | None]  # median, p95
    hours_to_paid: tuple[float | None, float | None]


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def in_period(trails: Sequence[Trail], start: datetime, end: datetime) -> list[Trail]:
    return [t for t in trails if t.received is not None and start <= t.received.visit_end < end]


def kpis(trails: Sequence[Trail], start: datetime, end: datetime) -> Kpis:
    chosen = in_period(trails, start, end)
    coded = [t for t in chosen if t.of(Coded)]
    adjudicated = [t for t in chosen if t.postings and t.submissions]
    days = max((end - start).total_seconds() / 86400, 1.0)
    billed_per_day = sum(money_of(t).billed for t in chosen) / days
    return Kpis(
        encounters=len(chosen),
        clean_claim_rate=ratio(sum(1 for t in coded if t.submissions), len(coded)),
        first_pass_acceptance_rate=ratio(sum(1 for t in adjudicated if paid_first_time(t)), len(adjudicated)),
        denial_rate_by_category=denial_rates(adjudicated),
        days_in_ar=round(sum(money_of(t).outstanding for t in chosen) / billed_per_day, 1) if billed_per_day else None,
        net_collection_rate=net_collection(adjudicated),
        hours_to_submitted=spread([hours_to(t, "submitted") for t in chosen]),
        hours_to_paid=spread([hours_to(t, "paid") for t in chosen]),
    )


def paid_first_time(trail: Trail) -> bool:
    first = trail.postings[0]
    return len(trail.submissions) == 1 and first.claim_status in ("paid", "partially_paid")


def denial_rates(adjudicated: list[Trail]) -> dict[str, float]:
    counts = Counter(category for t in adjudicated for category in {c for p in t.postings for c in p.denial_categories})
    return {category: ratio(n, len(adjudicated)) or 0.0 for category, n in sorted(counts.items())}


def net_collection(adjudicated: list[Trail]) -> float | None:
    money = [money_of(t) for t in adjudicated]
    collectible = sum(m.billed - m.contractual for m in money)
    return ratio(sum(m.paid for m in money), collectible) if collectible > 0 else None


def hours_to(trail: Trail, milestone: str) -> float | None:
    received = trail.received
    steps = (
        trail.submissions if milestone == "submitted" else [p for p in trail.postings if p.claim_status != "reversed"]
    )
    if received is None or not steps:
        return None
    return (steps[0].at - received.visit_end).total_seconds() / 3600


def spread(values: list[float | None]) -> tuple[float | None, float | None]:
    known = sorted(v for v in values if v is not None)
    if not known:
        return None, None
    p95 = known[min(len(known) - 1, round(0.95 * (len(known) - 1)))]
    return round(statistics.median(known), 2), round(p95, 2)
