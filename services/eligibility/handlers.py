"""Eligibility use cases: verify completed encounters (reusing verifications per coverage, asking
the payer with a 270 otherwise), re-drive encounters waiting for a payer, record phone
verifications, and show the verification trail of an encounter for an appeal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.eligibility.domain.benefits import Decision, read_response
from services.eligibility.domain.inquiry import Inquiry, inquiry_for, render_270
from services.eligibility.domain.model import (
    CoverageId,
    coverage_of,
    from_payer,
    from_phone,
    reusable,
    reused_for,
    unreachable,
    verification,
    without_inquiry,
)
from services.eligibility.domain.policy import EligibilityRules
from services.eligibility.domain.response import Eligibility271ParseError, parse_271
from services.eligibility.domain.status import WAITING, EncounterStatus, after_deciding
from shared.concurrency import gather_at_most
from shared.contracts.encounter import EncounterCompleted
from shared.contracts.events import Benefits, CoverageVerified, Evidence, Verification
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Record
from shared.phi.fields import opened_under, sealed_as
from shared.topics import COVERAGE_VERIFIED

SERVICE = "eligibility"
REDRIVE_CAP = timedelta(minutes=5)


class PayerUnavailable(Exception):
    """The clearinghouse or payer did not answer (timeout, connection refused, 5xx)."""


class EligibilityGateway(Protocol):
    async def exchange(self, x270: str, payer_id: str) -> str:
        """Send a 270 and return the 271; raise PayerUnavailable when there is no answer."""


class EligibilityRepository(Protocol):
    async def known(self, keys: Sequence[str]) -> set[str]: ...
    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]: ...
    async def save_verifications(self, saved: list[SavedVerification]) -> None: ...
    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]: ...
    async def save_waiting(self, docs: list[dict[str, Any]]) -> None: ...
    async def waiting_due(self, now: datetime, limit: int) -> list[dict[str, Any]]: ...
    async def waiting(self, kind: str | None, limit: int) -> list[dict[str, Any]]: ...
    async def records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    async def resolve(self, key: str, status: str, verification: Verification, outbox: list[Outgoing]) -> bool: ...
    async def clear_waiting(self, keys: Sequence[str]) -> None: ...
    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None: ...
    async def add_evidence(self, key: str, verification: Verification) -> None: ...
    async def coverage(self, coverage_key: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class SavedVerification:
    """A coverage-level verification with the raw exchange that proves it."""

    coverage: CoverageId
    verification: Verification
    inquiry_x12: str | None = None
    response_x12: str | None = None


@dataclass(frozen=True)
class Asking:
    """How the payer is asked: envelope ids, bounded retries with backoff, a per-payer pause."""

    sender_id: str
    receiver_id: str
    usage: str
    attempts: int
    backoff_seconds: float
    concurrency: int
    pause_seconds: float = 10.0


@dataclass(frozen=True)
class Answer:
    """One inquiry's result: the 271 text, or why there is none after every attempt."""

    inquiry: Inquiry
    inquiry_x12: str
    response_x12: str | None
    attempts: int
    error: str = ""


@dataclass
class PayerAsker:
    gateway: EligibilityGateway
    asking: Asking
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    paused_until: dict[str, datetime] = field(default_factory=dict)

    async def ask_all(self, inquiries: list[Inquiry], now: datetime) -> list[Answer]:
        limit = asyncio.Semaphore(self.asking.concurrency)

        async def one(inquiry: Inquiry) -> Answer:
            async with limit:
                return await self.ask(inquiry, now)

        return list(await asyncio.gather(*(one(inquiry) for inquiry in inquiries)))

    async def ask(self, inquiry: Inquiry, now: datetime) -> Answer:
        x270 = render_270(inquiry, self.asking.sender_id, self.asking.receiver_id, now, self.asking.usage)
        if self.paused_until.get(inquiry.payer_id, now) > now:
            return Answer(inquiry, x270, None, 0, f"payer {inquiry.payer_id} paused after failing; not asked")
        error = ""
        for attempt in range(1, self.asking.attempts + 1):
            try:
                return Answer(inquiry, x270, await self.gateway.exchange(x270, inquiry.payer_id), attempt)
            except PayerUnavailable as failure:
                error = str(failure) or type(failure).__name__
                if attempt < self.asking.attempts:
                    await self.sleep(self.asking.backoff_seconds * 2 ** (attempt - 1))
        self.paused_until[inquiry.payer_id] = now + timedelta(seconds=self.asking.pause_seconds)
        return Answer(inquiry, x270, None, self.asking.attempts, error)


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


class VerifyCoverage:
    def __init__(
        self,
        repo: EligibilityRepository,
        publisher: Publisher,
        rules: EligibilityRules,
        asker: PayerAsker,
        clock: Callable[[], datetime],
    ) -> None:
        self.repo, self.publisher, self.rules, self.asker, self.clock = repo, publisher, rules, asker, clock

    async def __call__(self, encounters: list[EncounterCompleted]) -> None:
        unique = {encounter.key: encounter for encounter in encounters}
        known = await self.repo.known(list(unique))
        outcomes = await self.decide_all([e for key, e in unique.items() if key not in known])
        await self.repo.save_waiting([waiting_doc(o, self.clock()) for o in outcomes if o.status in WAITING])
        records = [record_for(o) for o in outcomes] + [({"_id": key}, []) for key in known]
        inserted = await self.repo.save_and_publish(records, self.publisher)
        # A redelivered encounter was decided before: only new encounters' verifications are kept.
        await self.repo.save_verifications([o.saved for o in outcomes if o.saved and o.encounter.key in inserted])

    async def decide_all(self, encounters: list[EncounterCompleted]) -> list[Outcome]:
        now = self.clock()
        coverages = {e.key: coverage_of(e) for e in encounters}
        latest = await self.repo.latest_verifications({c.key for c in coverages.values() if c})
        decided: list[Outcome] = []
        to_ask: dict[str, list[EncounterCompleted]] = {}
        for encounter in encounters:
            local = without_inquiry(encounter, now)
            coverage = coverages[encounter.key]
            if local is not None or coverage is None:
                assert local is not None
                decided.append(Outcome(encounter, local, after_deciding(local.outcome)))
            elif reusable(
                latest.get(coverage.key),
                encounter.encounter.date_of_service,
                self.rules.reuse,
                encounter.coverage.plan_type,
            ):
                decided.append(
                    Outcome(
                        encounter, reused_for(encounter, latest[coverage.key], self.rules), EncounterStatus.VERIFIED
                    )
                )
            else:
                to_ask.setdefault(coverage.key, []).append(encounter)
        return decided + await self.ask_payers(to_ask, now)

    async def ask_payers(self, groups: dict[str, list[EncounterCompleted]], now: datetime) -> list[Outcome]:
        """One 270 per coverage, however many of its encounters are in the batch."""
        inquiries = [inquiry_for(group[0], self.service_types(group[0]), now) for group in groups.values()]
        answers = await self.asker.ask_all(inquiries, now)
        return [
            outcome_from(encounter, answer, self.rules, now)
            for answer, group in zip(answers, groups.values(), strict=True)
            for encounter in group
        ]

    def service_types(self, encounter: EncounterCompleted) -> tuple[str, ...]:
        return tuple(self.rules.inquiry.service_types.get(encounter.encounter.modality, ["30"]))


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


def waiting_doc(outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "_id": outcome.encounter.key,
        "kind": "payer" if outcome.status == EncounterStatus.WAITING_PAYER else "manual",
        "payer_id": outcome.encounter.coverage.payer_id,
        "since": now,
        "attempts": outcome.attempts,
        "rounds": 1,
        "next_at": now + backoff(1),
        "reason": outcome.verification.reason,
    }


def backoff(rounds: int) -> timedelta:
    return min(REDRIVE_CAP, timedelta(seconds=2 ** min(rounds, 10)))


class RedriveWaiting:
    """Ask again for encounters waiting on a payer that did not answer; nothing waits unseen."""

    def __init__(
        self,
        repo: EligibilityRepository,
        publisher: Publisher,
        verify: VerifyCoverage,
        clock: Callable[[], datetime],
        limit: int = 200,
    ) -> None:
        self.repo, self.publisher, self.verify, self.clock, self.limit = repo, publisher, verify, clock, limit

    async def __call__(self) -> int:
        now = self.clock()
        due = await self.repo.waiting_due(now, self.limit)
        records = await self.repo.records([doc["_id"] for doc in due])
        await self.finish_resolved([key for key, rec in records.items() if rec["status"] not in WAITING], records)
        still = [
            EncounterCompleted.model_validate(rec["encounter"])
            for rec in records.values()
            if rec["status"] == EncounterStatus.WAITING_PAYER
        ]
        groups: dict[str, list[EncounterCompleted]] = {}
        for encounter in still:
            coverage = coverage_of(encounter)
            groups.setdefault(coverage.key if coverage else encounter.key, []).append(encounter)
        outcomes = await self.verify.ask_payers(groups, now)
        return await self.apply(outcomes, {doc["_id"]: doc for doc in due}, now)

    async def finish_resolved(self, keys: list[str], records: dict[str, dict[str, Any]]) -> None:
        """A record resolved before its waiting entry was cleared (a crash in between): re-send, clear."""
        outbox = [Outgoing(**m) for key in keys for m in records[key].get("resolution_outbox", [])]
        if outbox:
            await self.publisher.publish(outbox)
        await self.repo.clear_waiting(keys)

    async def apply(self, outcomes: list[Outcome], waiting: dict[str, dict[str, Any]], now: datetime) -> int:
        """Resolve what the payer answered; back off exponentially (capped) for the rest."""
        unanswered = [o for o in outcomes if o.status == EncounterStatus.WAITING_PAYER]
        await gather_at_most(self.reschedule(o, waiting.get(o.encounter.key, {}), now) for o in unanswered)
        resolved = await resolve_records(
            self.repo, self.publisher, [o for o in outcomes if o.status != EncounterStatus.WAITING_PAYER]
        )
        await self.repo.save_verifications([o.saved for o in outcomes if o.saved])
        return resolved

    async def reschedule(self, outcome: Outcome, before: dict[str, Any], now: datetime) -> None:
        rounds, attempts = before.get("rounds", 1) + 1, before.get("attempts", 0) + outcome.attempts
        reason = outcome.verification.reason or ""
        await self.repo.reschedule(outcome.encounter.key, rounds, attempts, now + backoff(rounds), reason)


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


@dataclass(frozen=True)
class PhoneCall:
    """The telemedicine coverage verification form, as ops fill it in after calling the payer."""

    verified_by: str
    called_at: datetime
    payer_representative: str
    call_reference: str
    covered: bool
    telehealth_covered: bool | None
    audio_only_covered: bool | None
    copay_cents: int | None
    coinsurance_percent: str | None
    deductible_remaining_cents: int | None
    plan_end: Any = None
    notes: str | None = None

    def benefits(self) -> Benefits:
        telehealth = (
            {} if self.telehealth_covered is None else {"10": self.telehealth_covered, "02": self.telehealth_covered}
        )
        return Benefits(
            active=self.covered,
            plan_end=self.plan_end,
            telehealth_by_place_of_service=telehealth,
            audio_only_covered=self.audio_only_covered,
            copay_cents=self.copay_cents,
            coinsurance_percent=self.coinsurance_percent,
            deductible_remaining_cents=self.deductible_remaining_cents,
        )

    def evidence(self) -> Evidence:
        return Evidence(
            call_reference=self.call_reference,
            payer_representative=self.payer_representative,
            verified_by=self.verified_by,
            called_at=self.called_at,
            notes=self.notes,
        )


@dataclass(frozen=True)
class PhoneResult:
    status: str  # resolved | recorded | not_found | not_applicable
    verification: Verification | None = None
    message: str = ""


class RecordPhoneVerification:
    def __init__(
        self, repo: EligibilityRepository, publisher: Publisher, rules: EligibilityRules, clock: Callable[[], datetime]
    ) -> None:
        self.repo, self.publisher, self.rules, self.clock = repo, publisher, rules, clock

    async def __call__(self, key: str, call: PhoneCall) -> PhoneResult:
        record = (await self.repo.records([key])).get(key)
        if record is None:
            return PhoneResult("not_found", message=f"no eligibility record for {key}")
        encounter = EncounterCompleted.model_validate(record["encounter"])
        coverage = coverage_of(encounter)
        if coverage is None:
            return PhoneResult(
                "not_applicable", message=f"{key} has no payer and member to verify (self-pay or ids missing)"
            )
        found = from_phone(encounter, call.benefits(), call.evidence(), self.rules, self.clock())
        await self.repo.save_verifications([SavedVerification(coverage, found)])
        status = after_deciding(found.outcome)
        if record["status"] in WAITING and await resolve_records(
            self.repo, self.publisher, [Outcome(encounter, found, status)]
        ):
            return PhoneResult("resolved", found)
        await self.repo.add_evidence(key, found)
        return PhoneResult("recorded", found, f"{key} was already {record['status']}: kept as evidence")


class VerificationTrail:
    """Everything that shows how an encounter's coverage was established, for an appeal packet."""

    def __init__(self, repo: EligibilityRepository) -> None:
        self.repo = repo

    async def __call__(self, key: str) -> dict[str, Any] | None:
        record = (await self.repo.records([key])).get(key)
        if record is None:
            return None
        steps = [*record.get("history", []), record["verification"], *record.get("evidence", [])]
        ids = {step["verification_id"] for step in steps}
        coverage_key = opened_under("coverage_key", record.get("coverage_key"))
        coverage = await self.repo.coverage(coverage_key) if coverage_key else None
        exchanges = [entry for entry in (coverage or {}).get("history", []) if entry["verification_id"] in ids]
        return {
            "key": key,
            "status": record["status"],
            "coverage_key": record.get("coverage_key"),  # sealed: the API reveals it
            "current": record["verification"],
            "steps": steps,
            "payer_exchanges": [e for e in exchanges if e.get("method") == "x12_270_271"],
            "phone_calls": [e for e in exchanges if e.get("method") == "phone"],
        }


class WaitingList:
    def __init__(self, repo: EligibilityRepository) -> None:
        self.repo = repo

    async def __call__(self, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        return await self.repo.waiting(kind, limit)
