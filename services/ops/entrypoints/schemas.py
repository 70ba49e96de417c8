"""The ops API's response models: what each route answers, typed, so the OpenAPI document shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from services.ops.domain.kpis import Kpis
from services.ops.domain.summary import Summary
from services.ops.domain.trail import Coded, DeadLettered, Fact, Posted, Received, Submitted, Trail, Verified
from services.ops.domain.worklist import Item


class MoneyOut(BaseModel):
    billed: int
    allowed: int
    paid: int
    patient_responsibility: int
    contractual: int
    written_off: int
    other_adjustments: int
    outstanding: int


class EncounterOut(BaseModel):
    key: str
    stage: str
    state: str
    waiting_for: str
    payer_id: str | None
    patient_id: str | None
    visit_end: datetime | None
    submissions: int
    denial_categories: list[str]
    last_at: datetime | None
    money_cents: MoneyOut

    @classmethod
    def of(cls, s: Summary) -> EncounterOut:
        money = MoneyOut(**{name: getattr(s.money, name) for name in MoneyOut.model_fields})
        return cls(
            key=s.key, stage=s.stage, state=s.state, waiting_for=s.waiting_for, payer_id=s.payer_id,
            patient_id=s.patient_id, visit_end=s.visit_end, submissions=s.submissions,
            denial_categories=list(s.denial_categories), last_at=s.last_at, money_cents=money,
        )  # fmt: skip


class EncounterPage(BaseModel):
    total: int
    page: int
    page_size: int
    encounters: list[EncounterOut]


class StepOut(BaseModel):
    at: datetime
    stage: str
    what: str


def step_of(fact: Fact) -> StepOut:
    """One line of the trail, in codes and amounts: never the patient's data."""
    if isinstance(fact, Received):
        return StepOut(
            at=fact.at, stage="received", what=f"visit ended {fact.visit_end:%Y-%m-%d %H:%M}Z, payer {fact.payer_id}"
        )
    if isinstance(fact, Verified):
        return StepOut(
            at=fact.at, stage="verified", what=f"coverage {fact.outcome}" + (f": {fact.reason}" if fact.reason else "")
        )
    if isinstance(fact, Coded):
        return StepOut(at=fact.at, stage="coded", what="codes " + ", ".join(fact.codes))
    if isinstance(fact, Submitted):
        what = (
            f"claim {fact.claim_id} (frequency {fact.frequency_code}) to {fact.payer_name}, {fact.charge_cents} cents"
        )
        return StepOut(at=fact.at, stage="submitted", what=what)
    if isinstance(fact, Posted):
        denied = f", denied: {', '.join(fact.denial_categories)}" if fact.denial_categories else ""
        return StepOut(
            at=fact.at, stage="adjudicated", what=f"remittance {fact.posting_key}: {fact.claim_status}{denied}"
        )
    assert isinstance(fact, DeadLettered)
    return StepOut(at=fact.at, stage="dead_letter", what=f"{fact.topic} rejected by {fact.service}: {fact.reason}")


class TrailOut(BaseModel):
    encounter: EncounterOut
    steps: list[StepOut]

    @classmethod
    def of(cls, trail: Trail, summary: Summary) -> TrailOut:
        steps = sorted((step_of(fact) for fact in trail.facts.values()), key=lambda step: step.at)
        return cls(encounter=EncounterOut.of(summary), steps=steps)


class ItemOut(BaseModel):
    kind: str
    owner: str
    key: str
    since: datetime
    age_hours: float
    detail: str
    next_action: str
    action: str  # method and URL at the owning service (or the CLI command)
    trail: str  # the ops API's trail of the encounter

    @classmethod
    def of(cls, item: Item, now: datetime, action_base: str) -> ItemOut:
        action = item.action()
        method, _, path = action.partition(" ")
        absolute = f"{method} {action_base}{path}" if action_base and path.startswith("/") else action
        return cls(
            kind=item.kind, owner=item.owner, key=item.key, since=item.since, age_hours=item.age_hours(now),
            detail=item.detail, next_action=item.next_action, action=absolute, trail=f"/v1/encounters/{item.key}/trail",
        )  # fmt: skip


class WorklistOut(BaseModel):
    depths: dict[str, int]  # every kind whose owner answered, before the filters
    denials_by_category: dict[str, int]  # open denials, before the filters
    unavailable: dict[str, str]  # kind → why its owner's list could not be read
    count: int
    items: list[ItemOut]


class MoneyRow(BaseModel):
    payer_id: str
    month: str
    cents: MoneyOut


class MoneyReport(BaseModel):
    start: datetime
    end: datetime
    rows: list[MoneyRow]
    by_payer: dict[str, MoneyOut]
    totals: MoneyOut


class AgingReport(BaseModel):
    as_of: datetime
    buckets: list[str]
    by_payer: dict[str, dict[str, int]]  # cents
    totals: dict[str, int]
    outstanding_cents: int


class KpisOut(BaseModel):
    start: datetime
    end: datetime
    encounters: int
    clean_claim_rate: float | None
    first_pass_acceptance_rate: float | None
    denial_rate_by_category: dict[str, float]
    days_in_ar: float | None
    net_collection_rate: float | None
    hours_to_submitted_median: float | None
    hours_to_submitted_p95: float | None
    hours_to_paid_median: float | None
    hours_to_paid_p95: float | None

    @classmethod
    def of(cls, figures: Kpis, start: datetime, end: datetime) -> KpisOut:
        return cls(
            start=start, end=end, encounters=figures.encounters, clean_claim_rate=figures.clean_claim_rate,
            first_pass_acceptance_rate=figures.first_pass_acceptance_rate,
            denial_rate_by_category=figures.denial_rate_by_category, days_in_ar=figures.days_in_ar,
            net_collection_rate=figures.net_collection_rate,
            hours_to_submitted_median=figures.hours_to_submitted[0],
            hours_to_submitted_p95=figures.hours_to_submitted[1],
            hours_to_paid_median=figures.hours_to_paid[0], hours_to_paid_p95=figures.hours_to_paid[1],
        )  # fmt: skip


class LagOut(BaseModel):
    group: str
    topic: str
    lag: int


class FlowOut(BaseModel):
    states: dict[str, int]
    stages: dict[str, int]
    minutes: list[datetime]
    throughput: dict[str, list[int]]
    lag: list[LagOut]
    dead_letters: dict[str, int]
