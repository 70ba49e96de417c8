"""A coder's resolution of a hold: checked by the engine's own edits, then `claim-coded`, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.coding.domain.engine import IsBillableDiagnosis
from services.coding.domain.resolution import Resolution, resolve
from services.coding.domain.rules import CodingRules
from services.coding.handlers.ports import SERVICE, HoldStore
from services.coding.handlers.records import claim_coded, resolution_record
from shared.contracts.events import CoverageVerified
from shared.messaging import Outgoing, Publisher
from shared.metrics import RESOLVED
from shared.phi.fields import opened_under
from shared.topics import CLAIM_CODED

NOT_RESOLVABLE_HERE = {"coverage_not_verified", "self_pay"}


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


def refusal(record: dict[str, Any]) -> tuple[str, ...]:
    if record["status"] != "held":
        return (f"{record['_id']} is {record['status']}, not held",)
    blocking = [opened_under("message", h["message"]) for h in record["holds"] if h["reason"] in NOT_RESOLVABLE_HERE]
    return tuple(f"not resolvable by coding: {message}" for message in blocking)
