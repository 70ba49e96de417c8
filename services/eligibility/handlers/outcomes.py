"""What a verification decided, the record and `coverage-verified` event it becomes, and when an
encounter waiting for its payer is asked again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.eligibility.domain.benefits import Decision, read_response
from services.eligibility.domain.model import (
    coverage_of,
    from_payer,
    unreachable,
    verification,
)
from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.response import Eligibility271ParseError, parse_271
from services.eligibility.domain.status import WAITING, EncounterStatus, Waiting, after_deciding
from services.eligibility.handlers.asking_payers import Answer
from services.eligibility.handlers.ports import SERVICE, EligibilityRepository, SavedVerification
from shared.concurrency import gather_at_most
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import CoverageVerified, Verification
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Record
from shared.phi.fields import sealed_as
from shared.topics import COVERAGE_VERIFIED

REDRIVE_CAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    """One encounter's verification, the status it leaves the record in, and what proves it."""

    encounter: EncounterCompleted
    verification: Verification
    status: str
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
        SavedVerification(coverage, found, answer.inquiry_x12, answer.response_x12)
        if coverage and found.benefits
        else None
    )
    return Outcome(encounter, found, after_deciding(found.outcome), saved)


def record_for(outcome: Outcome) -> Record:
    encounter, found = outcome.encounter, outcome.verification
    coverage = coverage_of(encounter)
    doc: dict[str, Any] = {
        "_id": encounter.key,
        "event_id": str(encounter.event_id),
        "source": encounter.source,
        "encounter_id": encounter.encounter.encounter_id,
        "plan_type": encounter.coverage.plan_type,
        "coverage_key": sealed_as("coverage_key", coverage.key) if coverage else None,
        "status": outcome.status,
        "verification": found.model_dump(mode="json"),
        "history": [],
        "encounter": encounter.model_dump(mode="json"),
    }
    if outcome.status in WAITING:
        HOLDS.labels(SERVICE, outcome.status).inc()
    return doc, [coverage_verified(encounter, found)]


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
    messages = [coverage_verified(o.encounter, o.verification) for o in outcomes]
    won = await gather_at_most(
        repo.resolve(o.encounter.key, o.status, o.verification, [m]) for o, m in zip(outcomes, messages, strict=True)
    )
    mine = [m for m, w in zip(messages, won, strict=True) if w]
    if mine:
        await publisher.publish(mine)
    await repo.clear_waiting([o.encounter.key for o, w in zip(outcomes, won, strict=True) if w])
    return len(mine)
