"""Reconcile: where each encounter stands in eligibility, and a forced re-send of the events of
those that should have moved on (`telebill reconcile`). Reads go by `_id`, one lookup per key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.eligibility.bootstrap import Eligibility
from services.eligibility.domain.records import EncounterRecord
from shared.messaging import Outgoing, Publisher
from shared.reconcile import KeyState, Reconciled

# Verified, but no claim follows: nobody pays, or the patient does.
NOT_BILLED = {"not_covered", "self_pay"}


class Records(Protocol):
    async def records(self, keys: Sequence[str]) -> dict[str, EncounterRecord]: ...
    async def stored_events(self, records: Sequence[EncounterRecord]) -> dict[str, list[Outgoing]]: ...


def key_state(key: str, record: EncounterRecord | None) -> KeyState:
    """Final: the encounter stops here for now (waiting for a payer or a person, or not billed)."""
    if record is None:
        return KeyState(key, False, "unknown", False)
    if record.waiting:
        return KeyState(key, True, str(record.status), True)
    outcome = record.verification.outcome
    if outcome in NOT_BILLED:
        return KeyState(key, True, outcome, True)
    return KeyState(key, True, str(record.status), False)


class Reconcile:
    def __init__(self, repo: Records, publisher: Publisher) -> None:
        self.repo, self.publisher = repo, publisher

    async def __call__(self, keys: Sequence[str], redrive: bool = False) -> Reconciled:
        records = await self.repo.records(keys)
        states = [key_state(key, records.get(key)) for key in dict.fromkeys(keys)]
        moving = [records[state.key] for state in states if state.known and not state.final]
        return Reconciled(states, await self.redrive(moving) if redrive else 0)

    async def redrive(self, records: list[EncounterRecord]) -> int:
        """Re-send regardless of the published markers (every consumer is idempotent by key): the
        first verification, then a later resolution's, in that order on the key's partition."""
        events = await self.repo.stored_events(records)
        messages = [message for record in records for message in events.get(record.key, [])]
        if messages:
            await self.publisher.publish(messages)
        return len(messages)


def reconcile_for(service: Eligibility) -> Reconcile:
    """Over the API's own repository and publisher."""
    return Reconcile(service.trail.repo, service.verify.publisher)
