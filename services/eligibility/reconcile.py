"""Reconcile: where each encounter stands in eligibility, and a forced re-send of the events of
those that should have moved on (`telebill reconcile`). Reads go by `_id`, one lookup per key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

from services.eligibility.bootstrap import Eligibility
from services.eligibility.domain.status import WAITING
from shared.messaging import Outgoing, Publisher
from shared.outbox import Outbox
from shared.reconcile import KeyState, Reconciled

# Verified, but no claim follows: nobody pays, or the patient does.
NOT_BILLED = {"not_covered", "self_pay"}


class Records(Protocol):
    @property
    def encounters(self) -> Outbox: ...  # the shared outbox base, Mongo or in memory

    async def records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...


def key_state(key: str, record: dict[str, Any] | None) -> KeyState:
    """Final: the encounter stops here for now (waiting for a payer or a person, or not billed)."""
    if record is None:
        return KeyState(key, False, "unknown", False)
    if record["status"] in WAITING:
        return KeyState(key, True, record["status"], True)
    outcome = record["verification"]["outcome"]
    if outcome in NOT_BILLED:
        return KeyState(key, True, outcome, True)
    return KeyState(key, True, record["status"], False)


class Reconcile:
    def __init__(self, repo: Records, publisher: Publisher) -> None:
        self.repo, self.publisher = repo, publisher

    async def __call__(self, keys: Sequence[str], redrive: bool = False) -> Reconciled:
        records = await self.repo.records(keys)
        states = [key_state(key, records.get(key)) for key in dict.fromkeys(keys)]
        moving = [state.key for state in states if state.known and not state.final]
        return Reconciled(states, await self.redrive(moving, records) if redrive else 0)

    async def redrive(self, keys: list[str], records: dict[str, dict[str, Any]]) -> int:
        """Re-send regardless of the published markers (every consumer is idempotent by key): the
        first verification, then a later resolution's, in that order on the key's partition."""
        outboxes = await self.repo.encounters.outboxes(keys)
        messages = [
            message
            for key in keys
            for message in outboxes.get(key, []) + [Outgoing(**m) for m in records[key].get("resolution_outbox", [])]
        ]
        if messages:
            await self.publisher.publish(messages)
        return len(messages)


def reconcile_for(service: Eligibility) -> Reconcile:
    """Over the API's own repository and publisher (both real adapters and fakes keep `encounters`)."""
    return Reconcile(cast(Records, service.trail.repo), service.verify.publisher)
