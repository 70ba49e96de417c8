"""Reconcile: where each encounter's claim stands, a forced re-send of the `claim-submitted`
events of claims that should have reached remittance, and which patient control numbers (of 835
claims remittance could not match) belong to a claim here. Reads go by `_id`, one per key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from services.claims.bootstrap import Claims
from services.claims.domain.lifecycle import WORKLIST
from services.claims.domain.records import ClaimRecord
from shared.messaging import Publisher
from shared.outbox import Records
from shared.reconcile import KeyState, Reconciled


class Store(Protocol):
    claims: Records[ClaimRecord]

    async def records(self, ids: Sequence[str]) -> dict[str, ClaimRecord]: ...
    async def records_for_pcns(self, pcns: Sequence[str]) -> dict[str, str]: ...


@dataclass(frozen=True)
class PcnState:
    pcn: str
    known: bool
    record: str | None


def key_state(key: str, record: ClaimRecord | None, current: ClaimRecord | None) -> KeyState:
    """A corrected or voided claim stands where its latest version stands."""
    if record is None:
        return KeyState(key, False, "unknown", False)
    latest = current or record
    return KeyState(key, True, latest.status.value, latest.status in WORKLIST, latest.patient_control_number)


class Reconcile:
    def __init__(self, store: Store, publisher: Publisher) -> None:
        self.store, self.publisher = store, publisher

    async def __call__(self, keys: Sequence[str], redrive: bool = False) -> Reconciled:
        unique = list(dict.fromkeys(keys))
        records = await self.store.records(unique)
        currents = await self.store.records([record.current for record in records.values() if record.current])
        states = [self.state(key, records.get(key), currents) for key in unique]
        moving = [record_id for s in states if s.known and not s.final for record_id in versions(records[s.key])]
        return Reconciled(states, await self.redrive(moving) if redrive else 0)

    @staticmethod
    def state(key: str, record: ClaimRecord | None, currents: dict[str, ClaimRecord]) -> KeyState:
        return key_state(key, record, currents.get(record.current or "") if record else None)

    async def pcns(self, pcns: Sequence[str], redrive: bool = False) -> tuple[list[PcnState], int]:
        """Which patient control numbers belong to a claim here; `redrive` re-sends those claims'
        `claim-submitted` so remittance expects them and matches its parked 835 claims."""
        records = await self.store.records_for_pcns(list(dict.fromkeys(pcns)))
        states = [PcnState(pcn, pcn in records, records.get(pcn)) for pcn in dict.fromkeys(pcns)]
        return states, await self.redrive(list(dict.fromkeys(records.values()))) if redrive else 0

    async def redrive(self, record_ids: list[str]) -> int:
        """Re-send regardless of the published markers: remittance is idempotent by control number."""
        outboxes = await self.store.claims.events(record_ids)
        messages = [message for record_id in record_ids for message in outboxes.get(record_id, [])]
        if messages:
            await self.publisher.publish(messages)
        return len(messages)


def versions(record: ClaimRecord) -> list[str]:
    return [record.key, *record.versions]


def pcns_as_dict(states: list[PcnState], redriven: int) -> dict[str, Any]:
    return {"pcns": [asdict(state) for state in states], "redriven": redriven}


def reconcile_for(service: Claims) -> Reconcile:
    """Over the API's own store and publisher (the real store and the fake both fit `Store`)."""
    return Reconcile(service.submit.store, service.submit.publisher)
