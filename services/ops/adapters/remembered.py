"""The trails this process wrote last, and the keys of all it knows of, remembered so that an
encounter's events need no read of its trail: a key never stored is new (nothing to read), and a
trail written lately is the one in memory. On FerretDB a read by `_id` costs about what a write
does. This is right only while this process is the one writer of the trails: the worker forgets
everything whenever its partitions change (a rebalance), a restart starts empty, and the keys are
read again (one reading of every `_id`) before the next batch."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from services.ops.domain.trail import Trail
from services.ops.handlers.ports import TrailStore


class KeyedTrailStore(TrailStore, Protocol):
    async def keys(self) -> set[str]: ...


class RememberedTrails:
    def __init__(self, store: KeyedTrailStore, size: int) -> None:
        self.store, self.size = store, size
        self.kept: OrderedDict[str, Trail] = OrderedDict()
        self.known: set[str] | None = None  # every stored key; None: to be read
        self.hits = self.misses = 0

    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        if self.known is None:
            self.known = await self.store.keys()
        found = {key: self.kept[key] for key in correlation_ids if key in self.kept}
        missing = [key for key in correlation_ids if key not in found and key in self.known]
        self.hits, self.misses = self.hits + len(found), self.misses + len(missing)
        return found | (await self.store.trails(missing) if missing else {})

    async def save(self, trails: Sequence[Trail]) -> None:
        await self.store.save(trails)
        self.remember(trails)

    async def create(self, trails: Sequence[Trail]) -> None:
        await self.store.create(trails)
        self.remember(trails)

    def remember(self, trails: Sequence[Trail]) -> None:
        """Only once stored: a failed write leaves memory as the database is."""
        for trail in trails:
            self.kept[trail.correlation_id] = trail
            self.kept.move_to_end(trail.correlation_id)
            if self.known is not None:
                self.known.add(trail.correlation_id)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    def forget(self) -> None:
        self.kept.clear()
        self.known = None
