"""Reconcile: where each encounter stands in coding, and a forced re-send of the `claim-coded`
events of those that should have moved on (`telebill reconcile`). Reads go by `_id`, one per key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from services.coding.bootstrap import HoldDesk
from shared.concurrency import gather_at_most
from shared.messaging import Outgoing, Publisher
from shared.reconcile import KeyState, Reconciled

# Held for a coder (or for coverage), or self-pay: no claim follows for now.
FINAL = {"held", "self_pay"}


class Records(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...
    async def outboxes(self, ids: Sequence[str]) -> dict[str, list[Outgoing]]: ...


def key_state(key: str, record: dict[str, Any] | None) -> KeyState:
    if record is None:
        return KeyState(key, False, "unknown", False)
    return KeyState(key, True, record["status"], record["status"] in FINAL)


class Reconcile:
    def __init__(self, records: Records, resolutions: Records, publisher: Publisher) -> None:
        self.records, self.resolutions, self.publisher = records, resolutions, publisher

    async def __call__(self, keys: Sequence[str], redrive: bool = False) -> Reconciled:
        unique = list(dict.fromkeys(keys))
        found = await gather_at_most(self.records.get(key) for key in unique)
        states = [key_state(key, record) for key, record in zip(unique, found, strict=True)]
        return Reconciled(states, await self.redrive(states) if redrive else 0)

    async def redrive(self, states: list[KeyState]) -> int:
        """Re-send regardless of the published markers (claims is idempotent by key). A resolved
        hold's `claim-coded` lives in its resolution record, a coded encounter's in its own."""
        coded = await self.records.outboxes([s.key for s in states if s.known and s.state == "coded"])
        resolved = await self.resolutions.outboxes([s.key for s in states if s.known and s.state == "resolved"])
        messages = [message for outbox in [*coded.values(), *resolved.values()] for message in outbox]
        if messages:
            await self.publisher.publish(messages)
        return len(messages)


def reconcile_for(desk: HoldDesk) -> Reconcile:
    """Over the API's own stores: both hold stores keep `records` and `resolutions` outbox stores."""
    store: Any = desk.resolve.store
    return Reconcile(store.records, store.resolutions, desk.resolve.publisher)
