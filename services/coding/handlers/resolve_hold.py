"""A coder's resolution of a hold: checked by the engine's own edits, then `claim-coded`, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.coding.domain.engine import IsBillableDiagnosis
from services.coding.domain.records import ResolutionRecord, claim_coded
from services.coding.domain.resolution import Resolution, resolve
from services.coding.domain.rules import CodingRules
from services.coding.handlers.ports import SERVICE, HoldStore
from shared.messaging import Outgoing, Publisher
from shared.metrics import RESOLVED
from shared.outbox import Recorded
from shared.topics import CLAIM_CODED


@dataclass(frozen=True)
class Outcome:
    """What a resolution attempt came to: `status` is resolved, already_resolved, invalid,
    not_found or not_held; `problems` lists every reason it was refused."""

    status: str
    key: str
    problems: tuple[str, ...] = ()
    resolution: ResolutionRecord | None = None


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
            await self.store.republish_resolution(key, self.publisher)
            return Outcome("already_resolved", key, resolution=existing)
        refused = record.refusal(key)
        if refused:
            return Outcome("not_held", key, refused)
        event = record.coverage_verified
        result = resolve(event.encounter, self.rules, self.is_billable, resolution)
        if isinstance(result, list):
            return Outcome("invalid", key, tuple(result))
        resolved = ResolutionRecord.of(resolution, result, at)
        announced = Outgoing.of(CLAIM_CODED.name, key, claim_coded(event, result))
        await self.store.save_resolution(Recorded(key, resolved, (announced,)), self.publisher)
        await self.store.mark_resolved(key, record.resolved_by(key))
        RESOLVED.labels(SERVICE).inc()
        return Outcome("resolved", key, resolution=resolved)
