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

from services.ops.domain.summary import Summary


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


def in_period(summaries: Sequence[Summary], start: datetime, end: datetime) -> list[Summary]:
    return [s for s in summaries if s.visit_end is not None and start <= s.visit_end < end]


def kpis(summaries: Sequence[Summary], start: datetime, end: datetime) -> Kpis:
    chosen = in_period(summaries, start, end)
    coded = [s for s in chosen if s.coded]
    adjudicated = [s for s in chosen if s.adjudicated]
    days = max((end - start).total_seconds() / 86400, 1.0)
    billed_per_day = sum(s.money.billed for s in chosen) / days
    outstanding = sum(s.money.outstanding for s in chosen)
    return Kpis(
        encounters=len(chosen),
        clean_claim_rate=ratio(sum(1 for s in coded if s.submissions), len(coded)),
        first_pass_acceptance_rate=ratio(sum(1 for s in adjudicated if paid_first_time(s)), len(adjudicated)),
        denial_rate_by_category=denial_rates(adjudicated),
        days_in_ar=round(outstanding / billed_per_day, 1) if billed_per_day else None,
        net_collection_rate=net_collection(adjudicated),
        hours_to_submitted=spread([hours_between(s.visit_end, s.first_submitted_at) for s in chosen]),
        hours_to_paid=spread([hours_between(s.visit_end, s.first_posted_at) for s in chosen]),
    )


def paid_first_time(summary: Summary) -> bool:
    return summary.submissions == 1 and summary.first_posting_status in ("paid", "partially_paid")


def denial_rates(adjudicated: list[Summary]) -> dict[str, float]:
    counts = Counter(category for s in adjudicated for category in s.denial_categories)
    return {category: ratio(n, len(adjudicated)) or 0.0 for category, n in sorted(counts.items())}


def net_collection(adjudicated: list[Summary]) -> float | None:
    collectible = sum(s.money.billed - s.money.contractual for s in adjudicated)
    return ratio(sum(s.money.paid for s in adjudicated), collectible) if collectible > 0 else None


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds() / 3600


def spread(values: list[float | None]) -> tuple[float | None, float | None]:
    known = sorted(v for v in values if v is not None)
    if not known:
        return None, None
    p95 = known[min(len(known) - 1, round(0.95 * (len(known) - 1)))]
    return round(statistics.median(known), 2), round(p95, 2)
