"""`coverage-verified` → the engine's lines or holds → `claim-coded`, or a hold for a coder."""

from __future__ import annotations

from services.coding.domain.engine import IsBillableDiagnosis, code_encounter
from services.coding.domain.model import CodingResult, Hold
from services.coding.domain.records import CodingRecord, CodingStatus, claim_coded
from services.coding.domain.rules import CodingRules
from services.coding.handlers.ports import SERVICE, CodingStore
from shared.contracts.events import CoverageVerified
from shared.messaging import Outgoing, Publisher
from shared.metrics import HOLDS
from shared.outbox import Recorded
from shared.topics import CLAIM_CODED


class CodeEncounters:
    def __init__(
        self, store: CodingStore, publisher: Publisher, rules: CodingRules, is_billable: IsBillableDiagnosis
    ) -> None:
        self.store, self.publisher, self.rules, self.is_billable = store, publisher, rules, is_billable

    async def __call__(self, events: list[CoverageVerified]) -> None:
        unique = {event.correlation_id: event for event in events}
        entries = {key: self.entry_for(event) for key, event in unique.items()}
        inserted = await self.store.save_and_publish(list(entries.values()), self.publisher)
        later = [entries[key] for key in unique if key not in inserted]
        if later:
            await self.supersede_coverage_holds(later)

    async def supersede_coverage_holds(self, later: list[Recorded[CodingRecord]]) -> None:
        """Eligibility sends a second `coverage-verified` when a payer answers late or ops verify by
        phone: an encounter held only for its coverage is coded again from that event."""
        stored = await self.store.records([entry.key for entry in later])
        superseding = [entry for entry in later if supersedes(stored.get(entry.key), entry.record)]
        if superseding:
            await self.store.recode(superseding, self.publisher)

    def entry_for(self, event: CoverageVerified) -> Recorded[CodingRecord]:
        result = self.outcome(event)
        for hold in result.holds:
            HOLDS.labels(SERVICE, hold.reason).inc()
        record = CodingRecord.of(event, result)
        if record.status != CodingStatus.CODED:
            return Recorded(event.correlation_id, record)
        announced = Outgoing.of(CLAIM_CODED.name, event.correlation_id, claim_coded(event, result))
        return Recorded(event.correlation_id, record, (announced,))

    def outcome(self, event: CoverageVerified) -> CodingResult:
        verification = event.verification
        diagnoses = tuple(event.encounter.encounter.diagnoses)
        if verification.outcome == "self_pay":
            return CodingResult("self_pay", None, diagnoses)
        if verification.outcome != "covered":
            hold = Hold("coverage_not_verified", f"coverage {verification.outcome}: {verification.reason}")
            return CodingResult.held(diagnoses, hold)
        return code_encounter(event.encounter, self.rules, self.is_billable)


def supersedes(current: CodingRecord | None, later: CodingRecord) -> bool:
    """A later verification recodes a record held only for its coverage, once per event."""
    return current is not None and current.event_id != later.event_id and current.only_coverage_held
