"""`coverage-verified` → the engine's lines or holds → `claim-coded`, or a hold for a coder."""

from __future__ import annotations

from services.coding.domain.engine import IsBillableDiagnosis, code_encounter
from services.coding.domain.model import CodingResult, Hold
from services.coding.domain.rules import CodingRules
from services.coding.handlers.ports import SERVICE, CodingStore
from services.coding.handlers.records import claim_coded, coding_record, only_coverage_held
from shared.contracts.events import CoverageVerified
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Record
from shared.topics import CLAIM_CODED


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
