"""What a verification decided, the record and `coverage-verified` event it becomes, and when an
encounter waiting for its payer is asked again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.eligibility.domain.benefits import Decision, read_response
from services.eligibility.domain.model import (
    coverage_of,
    from_payer,
    unreachable,
    verification,
)
from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.records import EncounterRecord, Exchange, Resolution, SavedVerification
from services.eligibility.domain.response import Eligibility271ParseError, parse_271
from services.eligibility.domain.status import WAITING, EncounterStatus, Waiting, after_deciding
from services.eligibility.handlers.asking_payers import Answer
from services.eligibility.handlers.ports import SERVICE, EligibilityRepository
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified, Verification
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Recorded
from shared.topics import COVERAGE_VERIFIED

REDRIVE_CAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    """One encounter's verification, the status it leaves the record in, and what proves it."""

    encounter: EncounterCompleted
    verification: Verification
    status: EncounterStatus
    saved: SavedVerification | None = None
    attempts: int = 0


def outcome_from(encounter: EncounterCompleted, answer: Answer, rules: EligibilityRules, now: datetime) -> Outcome:
    if answer.response_x12 is None:
        return Outcome(
            encounter,
            unreachable(encounter, answer.attempts, answer.error, now),
            EncounterStatus.WAITING_PAYER,
            attempts=answer.attempts,
        )
    try:
        said = read_response(parse_271(answer.response_x12, answer.inquiry.trace_number), rules)
    except Eligibility271ParseError as error:
        reason = f"unreadable 271 from {answer.inquiry.payer_id}: {error}"
        return Outcome(
            encounter,
            verification(encounter, now, Decision("needs_manual", reason), "x12_270_271"),
            EncounterStatus.WAITING_MANUAL,
        )
    found = from_payer(encounter, said, answer.inquiry, rules, now)
    if said.retry:
        return Outcome(
            encounter,
            unreachable(encounter, answer.attempts, found.reason or "payer busy", now),
            EncounterStatus.WAITING_PAYER,
            attempts=answer.attempts,
        )
    coverage = coverage_of(encounter)
    saved = (
        SavedVerification(coverage, Exchange(found, answer.inquiry_x12, answer.response_x12))
        if coverage and found.benefits
        else None
    )
    return Outcome(encounter, found, after_deciding(found.outcome), saved)


def record_for(outcome: Outcome) -> Recorded[EncounterRecord]:
    encounter = outcome.encounter
    if outcome.status in WAITING:
        HOLDS.labels(SERVICE, outcome.status).inc()
    record = EncounterRecord(encounter, outcome.status, outcome.verification)
    return Recorded(encounter.key, record, (coverage_verified(encounter, outcome.verification),))


def resolution_for(outcome: Outcome) -> Recorded[Resolution]:
    encounter = outcome.encounter
    resolution = Resolution(outcome.status, outcome.verification)
    return Recorded(encounter.key, resolution, (coverage_verified(encounter, outcome.verification),))


def coverage_verified(encounter: EncounterCompleted, found: Verification) -> Outgoing:
    event = CoverageVerified.caused_by(str(encounter.event_id), encounter.key, encounter=encounter, verification=found)
    return Outgoing.of(COVERAGE_VERIFIED.name, encounter.key, event)


def waiting_for(outcome: Outcome, now: datetime) -> Waiting:
    return Waiting(
        key=outcome.encounter.key,
        kind="payer" if outcome.status == EncounterStatus.WAITING_PAYER else "manual",
        payer_id=outcome.encounter.coverage.payer_id,
        since=now,
        attempts=outcome.attempts,
        rounds=1,
        next_at=now + backoff(1),
        reason=outcome.verification.reason,
    )


def backoff(rounds: int) -> timedelta:
    return min(REDRIVE_CAP, timedelta(seconds=2 ** min(rounds, 10)))


async def resolve_records(repo: EligibilityRepository, publisher: Publisher, outcomes: list[Outcome]) -> int:
    """Move waiting records to their outcomes (each claimed once), publish the winners' events in one
    batch, clear their waits. A record someone else resolved first is left to them."""
    won = await repo.resolve_and_publish([resolution_for(o) for o in outcomes], publisher)
    await repo.clear_waiting([o.encounter.key for o in outcomes if o.encounter.key in won])
    return len(won)
