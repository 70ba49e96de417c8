"""In-memory trail store, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence

from services.ops.domain.trail import Trail


class InMemoryTrailStore:
    def __init__(self) -> None:
        self.docs: dict[str, Trail] = {}
        self.reads = self.writes = 0

    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        self.reads += 1
        return {key: self.docs[key] for key in correlation_ids if key in self.docs}

    async def save(self, trails: Sequence[Trail]) -> None:
        self.writes += 1 if trails else 0
        self.docs.update({trail.correlation_id: trail for trail in trails})
