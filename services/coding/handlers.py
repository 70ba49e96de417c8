"""Coding use cases: code verified encounters, forward coded claims, hold what cannot be coded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from services.coding.domain.engine import CodingResult, Hold, IsBillableDiagnosis, code_encounter
from services.coding.domain.rules import CodingRules
from shared.contracts.events import ClaimCoded, CodedLine, CoverageVerified
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Record
from shared.topics import CLAIM_CODED

SERVICE = "coding"


class CodingStore(Protocol):
    async def save_and_publish(self, records: Sequence[Record], publisher: Publisher) -> set[str]: ...


class CodeEncounters:
    def __init__(
        self, store: CodingStore, publisher: Publisher, rules: CodingRules, is_billable: IsBillableDiagnosis
    ) -> None:
        self.store, self.publisher, self.rules, self.is_billable = store, publisher, rules, is_billable

    async def __call__(self, events: list[CoverageVerified]) -> None:
        unique = {event.correlation_id: event for event in events}
        await self.store.save_and_publish([self.record_for(event) for event in unique.values()], self.publisher)

    def record_for(self, event: CoverageVerified) -> Record:
        result = self.outcome(event)
        for hold in result.holds:
            HOLDS.labels(SERVICE, hold.reason).inc()
        doc = coding_record(event, result)
        if result.status != "coded":
            return doc, []
        coded = claim_coded(event, result)
        return doc, [Outgoing.of(CLAIM_CODED.name, event.correlation_id, coded)]

    def outcome(self, event: CoverageVerified) -> CodingResult:
        verification = event.verification
        diagnoses = tuple(event.encounter.encounter.diagnoses)
        if verification.outcome == "self_pay":
            return CodingResult("self_pay", None, diagnoses)
        if verification.outcome != "covered":
            hold = Hold("coverage_not_verified", f"coverage {verification.outcome}: {verification.reason}")
            return CodingResult("held", None, diagnoses, holds=(hold,))
        return code_encounter(event.encounter, self.rules, self.is_billable)


def coding_record(event: CoverageVerified, result: CodingResult) -> dict[str, Any]:
    return {
        "_id": event.correlation_id,
        "event_id": event.event_id,
        "status": result.status,
        "place_of_service": result.place_of_service,
        "diagnoses": list(result.diagnoses),
        "lines": [line_dict(line) for line in result.lines],
        "holds": [{"reason": h.reason, "message": h.message} for h in result.holds],
        "coverage_verified": event.model_dump(mode="json"),
    }


def line_dict(line: Any) -> dict[str, Any]:
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
