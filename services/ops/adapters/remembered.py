"""The trails this process wrote last, remembered so that an encounter's next events need no read of
its trail (on FerretDB a read by `_id` costs about what the write does). It is right only while this
process is the one writer of those trails: the worker forgets everything whenever its partitions
change (a rebalance), and a restart starts empty."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from services.ops.domain.trail import Trail
from services.ops.handlers import TrailStore


class RememberedTrails:
    def __init__(self, store: TrailStore, size: int) -> None:
        self.store, self.size = store, size
        self.kept: OrderedDict[str, Trail] = OrderedDict()
        self.hits = self.misses = 0

    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        found = {key: self.kept[key] for key in correlation_ids if key in self.kept}
        missing = [key for key in correlation_ids if key not in found]
        self.hits, self.misses = self.hits + len(found), self.misses + len(missing)
        return found | (await self.store.trails(missing) if missing else {})

    async def save(self, trails: Sequence[Trail]) -> None:
        await self.store.save(trails)  # remembered only once stored
        for trail in trails:
            self.kept[trail.correlation_id] = trail
            self.kept.move_to_end(trail.correlation_id)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    def forget(self) -> None:
        self.kept.clear()
