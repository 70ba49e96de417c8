"""An encounter's trail across the pipeline, as the ops read model keeps it: the facts each service
announced on its topic, keyed so that the same event twice is one fact, and every state derived from
the set of facts, never from their order (a payment read before its submission ends the same)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, TypeVar

Stage = Literal["received", "verified", "coded", "submitted", "adjudicated"]
STAGES: tuple[Stage, ...] = ("received", "verified", "coded", "submitted", "adjudicated")


@dataclass(frozen=True)
class Step:
    at: datetime  # when the service announced it (the event's occurred_at)


F = TypeVar("F", bound=Step)


@dataclass(frozen=True)
class Received(Step):
    visit_end: datetime
    payer_id: str
    patient_id: str


@dataclass(frozen=True)
class Verified(Step):
    outcome: str  # covered | not_covered | self_pay | needs_manual
    reason: str | None


@dataclass(frozen=True)
class Coded(Step):
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Submitted(Step):
    claim_id: str
    frequency_code: str
    payer_id: str
    payer_name: str
    charge_cents: int


@dataclass(frozen=True)
class Posted(Step):
    posting_key: str  # ERA trace : claim : CLP02, one posting each
    claim_status: str  # paid | partially_paid | denied | reversed
    accounts: tuple[tuple[str, int], ...]  # journal account → signed cents (debit +, credit −)
    denial_categories: tuple[str, ...]
    underpaid: bool
    next_actions: tuple[str, ...] = ()  # remittance's recommended action for each denial


@dataclass(frozen=True)
class DeadLettered(Step):
    topic: str
    service: str
    reason: str


Fact = Step  # one of the kinds above


@dataclass(frozen=True)
class Trail:
    """`facts`: event id (or dead-letter position) → fact. Adding a known id changes nothing."""

    correlation_id: str
    facts: dict[str, Fact] = field(default_factory=dict)

    def with_fact(self, fact_id: str, fact: Fact) -> Trail:
        if fact_id in self.facts:
            return self
        return replace(self, facts={**self.facts, fact_id: fact})

    def of(self, kind: type[F]) -> list[F]:
        """The facts of one kind, oldest first (ties by id, so the order never depends on arrival)."""
        found = [(fact.at, fact_id, fact) for fact_id, fact in self.facts.items() if isinstance(fact, kind)]
        return [fact for _, _, fact in sorted(found, key=lambda item: item[:2])]

    @property
    def received(self) -> Received | None:
        return next(iter(self.of(Received)), None)

    @property
    def verified(self) -> Verified | None:
        found = self.of(Verified)
        return found[-1] if found else None

    @property
    def submissions(self) -> list[Submitted]:
        return self.of(Submitted)

    @property
    def postings(self) -> list[Posted]:
        return self.of(Posted)

    @property
    def stage(self) -> Stage:
        """The furthest step any fact shows: facts can arrive in any order."""
        shown = (Received, Verified, Coded, Submitted, Posted)
        reached = [stage for kind, stage in zip(shown, STAGES, strict=True) if self.of(kind)]
        return reached[-1] if reached else "received"

    @property
    def state(self) -> str:
        """Where the encounter is now, in words an ops person filters on."""
        if self.of(DeadLettered) and self.stage != "adjudicated":
            return "dead_lettered"
        if self.stage == "adjudicated":
            return self.postings[-1].claim_status
        verified = self.verified
        if self.stage == "verified" and verified and verified.outcome in ("not_covered", "self_pay"):
            return verified.outcome
        return self.stage

    @property
    def waiting_for(self) -> str:
        return WAITING_FOR.get(self.state, "")


def project(trails: dict[str, Trail], keyed: Iterable[tuple[str, str, Fact]]) -> dict[str, Trail]:
    """The trails with these facts added (a batch's worth): the same fact twice, or in any order,
    gives the same trails."""
    updated = dict(trails)
    for correlation_id, fact_id, fact in keyed:
        updated[correlation_id] = updated.get(correlation_id, Trail(correlation_id)).with_fact(fact_id, fact)
    return updated


STATES = ("received", "verified", "coded", "submitted", "not_covered", "self_pay", "dead_lettered", "paid",
          "partially_paid", "denied", "reversed")  # every value of Trail.state  # fmt: skip
WAITING_FOR = {
    "received": "coverage verification (eligibility)",
    "verified": "coding (coding)",
    "coded": "claim submission (claims)",
    "submitted": "the payer's remittance",
    "dead_lettered": "a person: a record was dead-lettered",
    "denied": "denial follow-up",
    "partially_paid": "patient balance or underpayment follow-up",
}
