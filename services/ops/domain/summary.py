"""What the ops read model answers from: one summary per encounter, derived from its trail at every
write, so that searches, worklists, money, aging and KPIs read small flat records and never replay
facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.ops.domain.money import Money, money_of
from services.ops.domain.trail import (
    STAGES,
    Coded,
    DeadLettered,
    Posted,
    Received,
    Stage,
    Step,
    Submitted,
    Trail,
    Verified,
)


@dataclass(frozen=True)
class Letter:
    """The last dead letter of the encounter: where and why (never the record's content)."""

    at: datetime
    topic: str
    service: str
    reason: str


@dataclass(frozen=True)
class Summary:
    key: str
    stage: Stage
    state: str
    waiting_for: str
    payer_id: str | None
    payer_name: str | None
    patient_id: str | None
    visit_end: datetime | None
    coverage: str | None  # the latest coverage outcome
    coded: bool
    submissions: int
    first_submitted_at: datetime | None
    first_posted_at: datetime | None  # the first posting that was not a reversal
    first_posting_status: str | None
    last_posting_key: str | None
    denial_categories: tuple[str, ...]
    next_actions: tuple[str, ...]
    underpaid: bool
    letter: Letter | None
    money: Money
    reached: dict[str, datetime] = field(default_factory=dict)  # stage → when the first fact showed it
    last_at: datetime | None = None  # the latest fact's time: what changed recently

    @property
    def adjudicated(self) -> bool:
        return self.first_posting_status is not None and self.submissions > 0


def first_at(trail: Trail, kind: type[Step]) -> datetime | None:
    found = trail.of(kind)
    return found[0].at if found else None


def summarize(trail: Trail) -> Summary:
    received, verified, submissions = trail.received, trail.verified, trail.submissions
    postings = trail.postings
    paying = [posting for posting in postings if posting.claim_status != "reversed"]
    letters = trail.of(DeadLettered)
    kinds = (Received, Verified, Coded, Submitted, Posted)
    reached: dict[str, datetime] = {
        stage: at for stage, kind in zip(STAGES, kinds, strict=True) if (at := first_at(trail, kind))
    }
    return Summary(
        key=trail.correlation_id,
        stage=trail.stage,
        state=trail.state,
        waiting_for=trail.waiting_for,
        payer_id=submissions[0].payer_id if submissions else (received.payer_id if received else None),
        payer_name=submissions[0].payer_name if submissions else None,
        patient_id=received.patient_id if received else None,
        visit_end=received.visit_end if received else None,
        coverage=verified.outcome if verified else None,
        coded=bool(trail.of(Coded)),
        submissions=len(submissions),
        first_submitted_at=submissions[0].at if submissions else None,
        first_posted_at=paying[0].at if paying else None,
        first_posting_status=postings[0].claim_status if postings else None,
        last_posting_key=postings[-1].posting_key if postings else None,
        denial_categories=tuple(sorted({c for posting in postings for c in posting.denial_categories})),
        next_actions=postings[-1].next_actions if postings else (),
        underpaid=bool(postings) and postings[-1].underpaid,
        letter=Letter(letters[-1].at, letters[-1].topic, letters[-1].service, letters[-1].reason) if letters else None,
        money=money_of(trail),
        reached=reached,
        last_at=max((fact.at for fact in trail.facts.values()), default=None),
    )


@dataclass(frozen=True)
class Search:
    """The ops API's encounter search: every given filter applies; visits end in [visit_from, visit_to)."""

    key: str | None = None
    patient_id: str | None = None
    payer_id: str | None = None
    state: str | None = None
    visit_from: datetime | None = None
    visit_to: datetime | None = None

    def matches(self, s: Summary) -> bool:
        exact = (self.key, s.key), (self.patient_id, s.patient_id), (self.payer_id, s.payer_id), (self.state, s.state)
        if any(wanted is not None and wanted != value for wanted, value in exact):
            return False
        if self.visit_from is not None and (s.visit_end is None or s.visit_end < self.visit_from):
            return False
        return not (self.visit_to is not None and (s.visit_end is None or s.visit_end >= self.visit_to))


def newest_visit_first(found: list[Summary]) -> list[Summary]:
    by_key = sorted(found, key=lambda s: s.key)
    return sorted(by_key, key=lambda s: s.visit_end or datetime.min.replace(tzinfo=UTC), reverse=True)


def is_outstanding(s: Summary) -> bool:
    return s.money.outstanding > 0


def needs_attention(s: Summary) -> bool:
    """What the read model's own worklist items come from (denied, dead-lettered, underpaid)."""
    return s.state in ("denied", "dead_lettered") or s.underpaid


def changed_since(moment: datetime) -> Callable[[Summary], bool]:
    return lambda s: s.last_at is not None and s.last_at >= moment
