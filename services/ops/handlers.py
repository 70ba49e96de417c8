"""Use cases of the ops read model: project a consumed batch of facts onto the encounters' trails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from services.ops.domain.facts import Keyed
from services.ops.domain.trail import Trail, project

SERVICE = "ops"


class TrailStore(Protocol):
    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        """The stored trails of these encounters (the ones that have any)."""

    async def save(self, trails: Sequence[Trail]) -> None:
        """Store each trail whole, by its correlation id."""


class ProjectFacts:
    """One read and one write per batch. Every topic's agent shares the one instance of a process,
    and batches are projected one at a time, so no two agents read and rewrite a trail at once."""

    def __init__(self, store: TrailStore) -> None:
        self.store = store
        self.lock = asyncio.Lock()

    async def __call__(self, keyed: Sequence[Keyed]) -> None:
        if not keyed:
            return
        async with self.lock:
            stored = await self.store.trails(list(dict.fromkeys(key for key, _, _ in keyed)))
            updated = project(stored, keyed)
            await self.store.save([trail for key, trail in updated.items() if trail != stored.get(key)])
