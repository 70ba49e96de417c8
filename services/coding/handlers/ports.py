"""The coding service's ports: its records (with the events they announce) and the holds a coder works."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.coding.domain.held import HeldEncounter
from services.coding.domain.records import CodingRecord, ResolutionRecord
from shared.messaging import Publisher
from shared.outbox import Recorded

SERVICE = "coding"


class CodingStore(Protocol):
    async def save_and_publish(self, entries: Sequence[Recorded[CodingRecord]], publisher: Publisher) -> set[str]:
        """Keep each encounter's first coding (first write wins) and announce it; held ones go on the
        coders' worklist. Returns the keys that were new."""

    async def records(self, keys: Sequence[str]) -> dict[str, CodingRecord]: ...
    async def recode(self, entries: Sequence[Recorded[CodingRecord]], publisher: Publisher) -> None:
        """Announce a later coding of encounters already recorded (each its own outbox record, keyed by
        the event it was coded from), then make it their current record."""


class HoldStore(Protocol):
    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[HeldEncounter]: ...
    async def held_one(self, key: str) -> HeldEncounter | None: ...
    async def record(self, key: str) -> CodingRecord | None: ...
    async def resolution(self, key: str) -> ResolutionRecord | None: ...
    async def save_resolution(self, entry: Recorded[ResolutionRecord], publisher: Publisher) -> bool: ...
    async def republish_resolution(self, key: str, publisher: Publisher) -> None:
        """Re-send a stored resolution's event if the broker never acknowledged it."""

    async def mark_resolved(self, key: str, record: CodingRecord) -> None:
        """Keep `record` (now resolved) as the encounter's record and take it off the worklist."""


class CodingStorePorts(CodingStore, HoldStore, Protocol):
    """One store serves both: the holds are the records the worker kept."""
