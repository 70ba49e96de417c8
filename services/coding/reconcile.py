"""Reconcile: where each encounter stands in coding, and a forced re-send of the `claim-coded`
events of those that should have moved on (`telebill reconcile`). Reads go by `_id`."""

from __future__ import annotations

from collections.abc import Sequence

from services.coding.adapters.repository import CodingStorage
from services.coding.bootstrap import Coding
from services.coding.domain.records import CodingRecord, CodingStatus
from shared.messaging import Publisher
from shared.reconcile import KeyState, Reconciled

# Held for a coder (or for coverage), or self-pay: no claim follows for now.
FINAL = {CodingStatus.HELD, CodingStatus.SELF_PAY}


def key_state(key: str, record: CodingRecord | None) -> KeyState:
    if record is None:
        return KeyState(key, False, "unknown", False)
    return KeyState(key, True, str(record.status), record.status in FINAL)


class Reconcile:
    def __init__(self, storage: CodingStorage, publisher: Publisher) -> None:
        self.storage, self.publisher = storage, publisher

    async def __call__(self, keys: Sequence[str], redrive: bool = False) -> Reconciled:
        unique = list(dict.fromkeys(keys))
        found = await self.storage.records(unique)
        states = [key_state(key, found.get(key)) for key in unique]
        return Reconciled(states, await self.redrive(found) if redrive else 0)

    async def redrive(self, found: dict[str, CodingRecord]) -> int:
        """Re-send regardless of the published markers (claims is idempotent by key). A coded
        encounter's `claim-coded` is in its own record, or in the recoding that coded it again; a
        resolved hold's in its resolution."""
        coded = {key: record for key, record in found.items() if record.status == CodingStatus.CODED}
        first = await self.storage.coded.events([key for key, record in coded.items() if not record.recoding])
        again = await self.storage.recodings.events([r.recoding for r in coded.values() if r.recoding])
        resolved = [key for key, record in found.items() if record.status == CodingStatus.RESOLVED]
        by_coder = await self.storage.resolutions.events(resolved)
        messages = [message for events in [*first.values(), *again.values(), *by_coder.values()] for message in events]
        if messages:
            await self.publisher.publish(messages)
        return len(messages)


def reconcile_for(desk: Coding) -> Reconcile:
    """Over the API's own storage (the Mongo store, or the in-memory one in unit tests)."""
    storage = desk.resolve.store
    if not isinstance(storage, CodingStorage):
        raise TypeError(f"reconcile reads coding's own storage, not {type(storage).__name__}")
    return Reconcile(storage, desk.resolve.publisher)
