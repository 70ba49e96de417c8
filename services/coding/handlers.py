"""Coding use cases: code verified encounters, list what is held, resolve a hold by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.coding.domain.engine import IsBillableDiagnosis, code_encounter
from services.coding.domain.model import CodingResult, Hold, Line
from services.coding.domain.resolution import Resolution, resolve
from services.coding.domain.rules import CodingRules
from shared.contracts.events import ClaimCoded, CodedLine, CoverageVerified
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS, RESOLVED
from shared.outbox import Record
from shared.phi.fields import opened_under, sealed_as
from shared.topics import CLAIM_CODED

SERVICE = "coding"
# Holds a coder cannot clear: coverage belongs to eligibility, self-pay has no payer claim.
NOT_RESOLVABLE_HERE = {"coverage_not_verified", "self_pay"}


class CodingStore(Protocol):
    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]: ...
    async def stored(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    async def replace(self, key: str, expected_event_id: str, record: Record) -> bool: ...


class HoldStore(Protocol):
    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[dict[str, Any]]: ...
    async def held_one(self, key: str) -> dict[str, Any] | None: ...
    async def record(self, key: str) -> dict[str, Any] | None: ...
    async def resolution(self, key: str) -> dict[str, Any] | None: ...
    async def save_resolution(self, record: Record, publisher: Publisher) -> bool: ...
    async def mark_resolved(self, key: str, resolution_id: str) -> None: ...


class CodeEncounters:
    def __init__(
        self, store: CodingStore, publisher: Publisher, rules: CodingRules, is_billable: IsBillableDiagnosis
    ) -> None:
        self.store, self.publisher, self.rules, self.is_billable = store, publisher, rules, is_billable

    async def __call__(self, events: list[CoverageVerified]) -> None:
        unique = {event.correlation_id: event for event in events}
        records = {key: self.record_for(event) for key, event in unique.items()}
        inserted = await self.store.save_and_publish(list(records.values()), self.publisher)
        later = {key: event for key, event in unique.items() if key not in inserted}
        if later:
            await self.supersede_coverage_holds(later, records)

    async def supersede_coverage_holds(self, events: dict[str, CoverageVerified], records: dict[str, Record]) -> None:
        """Eligibility sends a second `coverage-verified` when a payer answers late or ops verify by
        phone: an encounter held only for its coverage is coded again from that event."""
        stored = await self.store.stored(list(events))
        for key, event in events.items():
            doc = stored.get(key)
            if doc is None or doc["event_id"] == event.event_id or not only_coverage_held(doc):
                continue
            if await self.store.replace(key, doc["event_id"], records[key]):
                await self.publisher.publish(records[key][1])

    def record_for(self, event: CoverageVerified) -> Record:
        result = self.outcome(event)
        for hold in result.holds:
            HOLDS.labels(SERVICE, hold.reason).inc()
        doc = coding_record(event, result)
        if result.status != "coded":
            return doc, []
        return doc, [Outgoing.of(CLAIM_CODED.name, event.correlation_id, claim_coded(event, result))]

    def outcome(self, event: CoverageVerified) -> CodingResult:
        verification = event.verification
        diagnoses = tuple(event.encounter.encounter.diagnoses)
        if verification.outcome == "self_pay":
            return CodingResult("self_pay", None, diagnoses)
        if verification.outcome != "covered":
            hold = Hold("coverage_not_verified", f"coverage {verification.outcome}: {verification.reason}")
            return CodingResult.held(diagnoses, hold)
        return code_encounter(event.encounter, self.rules, self.is_billable)


@dataclass(frozen=True)
class Outcome:
    """What a resolution attempt came to: `status` is resolved, already_resolved, invalid,
    not_found or not_held; `problems` lists every reason it was refused."""

    status: str
    key: str
    problems: tuple[str, ...] = ()
    resolution: dict[str, Any] | None = None


class ResolveHold:
    def __init__(
        self, store: HoldStore, publisher: Publisher, rules: CodingRules, is_billable: IsBillableDiagnosis
    ) -> None:
        self.store, self.publisher, self.rules, self.is_billable = store, publisher, rules, is_billable

    async def __call__(self, key: str, resolution: Resolution, at: datetime) -> Outcome:
        record = await self.store.record(key)
        if record is None:
            return Outcome("not_found", key, (f"no coding record for {key}",))
        existing = await self.store.resolution(key)
        if existing is not None:
            await self.store.save_resolution((existing, []), self.publisher)  # re-publishes its stored event
            return Outcome("already_resolved", key, resolution=existing)
        refused = refusal(record)
        if refused:
            return Outcome("not_held", key, refused)
        event = CoverageVerified.model_validate(record["coverage_verified"])
        result = resolve(event.encounter, self.rules, self.is_billable, resolution)
        if isinstance(result, list):
            return Outcome("invalid", key, tuple(result))
        doc = resolution_record(key, resolution, result, at)
        await self.store.save_resolution(
            (doc, [Outgoing.of(CLAIM_CODED.name, key, claim_coded(event, result))]), self.publisher
        )
        await self.store.mark_resolved(key, key)
        RESOLVED.labels(SERVICE).inc()
        return Outcome("resolved", key, resolution=doc)


def only_coverage_held(doc: dict[str, Any]) -> bool:
    return doc["status"] == "held" and all(h["reason"] == "coverage_not_verified" for h in doc["holds"])


def refusal(record: dict[str, Any]) -> tuple[str, ...]:
    if record["status"] != "held":
        return (f"{record['_id']} is {record['status']}, not held",)
    blocking = [opened_under("message", h["message"]) for h in record["holds"] if h["reason"] in NOT_RESOLVABLE_HERE]
    return tuple(f"not resolvable by coding: {message}" for message in blocking)


class ListHolds:
    def __init__(self, store: HoldStore) -> None:
        self.store = store

    async def __call__(
        self, reason: str | None = None, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        return [public(doc) for doc in await self.store.held(reason, limit, newest_first)]

    async def one(self, key: str) -> dict[str, Any] | None:
        doc = await self.store.held_one(key)
        return public(doc) if doc else None


def worklist_view(
    entries: list[dict[str, Any]], reason: str | None, limit: int, newest_first: bool
) -> list[dict[str, Any]]:
    """Held entries with `reason` (all when None), oldest first unless asked otherwise."""
    matching = [e for e in entries if reason is None or any(h["reason"] == reason for h in e["holds"])]
    return sorted(matching, key=lambda e: e.get("held_at") or "", reverse=newest_first)[:limit]


def public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "_id"}


def hold_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The coders' worklist entry of a held record."""
    encounter = doc["coverage_verified"]["encounter"]
    return {
        "_id": doc["_id"],
        "key": doc["_id"],
        "encounter_id": encounter["encounter"]["encounter_id"],
        "date_of_service": encounter["encounter"]["date_of_service"],
        "modality": encounter["encounter"]["modality"],
        "payer_id": encounter["coverage"].get("payer_id"),
        "diagnoses": doc["diagnoses"],
        "holds": doc["holds"],
        "held_at": doc.get("held_at"),
    }


def coding_record(event: CoverageVerified, result: CodingResult) -> dict[str, Any]:
    return {
        "_id": event.correlation_id,
        "event_id": event.event_id,
        "status": result.status,
        "place_of_service": result.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(result.diagnoses)),
        "lines": [line_dict(line) for line in result.lines],
        "holds": [{"reason": h.reason, "message": sealed_as("message", h.message)} for h in result.holds],
        "held_at": event.occurred_at.isoformat() if result.status == "held" else None,
        "coverage_verified": event.model_dump(mode="json"),
    }


def resolution_record(key: str, resolution: Resolution, result: CodingResult, at: datetime) -> dict[str, Any]:
    return {
        "_id": key,
        "operator": resolution.operator,
        "note": sealed_as("note", resolution.note),
        "resolved_at": at.isoformat(),
        "place_of_service": result.place_of_service,
        "diagnoses": sealed_as("diagnoses", list(result.diagnoses)),
        "lines": [line_dict(line) for line in result.lines],
    }


def line_dict(line: Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": line.units,
        "diagnosis_pointers": list(line.diagnosis_pointers),
        "date_of_service": line.date_of_service.isoformat(),
        "rule": line.rule,
        "source": line.source,
        "explanation": line.explanation,
    }


def claim_coded(event: CoverageVerified, result: CodingResult) -> ClaimCoded:
    return ClaimCoded.caused_by(
        event.event_id,
        event.correlation_id,
        encounter=event.encounter,
        verification=event.verification,
        place_of_service=result.place_of_service,
        diagnoses=list(result.diagnoses),
        lines=[CodedLine.model_validate(line_dict(line)) for line in result.lines],
    )
