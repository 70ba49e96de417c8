"""Every pipeline event and dead letter → the encounter's trail in the read model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.ops.domain.facts import Keyed
from services.ops.domain.trail import project
from services.ops.handlers.ports import TrailStore


class ProjectFacts:
    """One read and one write per flush. Every topic's agent shares the one instance of a process, and
    flushes run one at a time, so no two agents read and rewrite a trail at once. The batches that
    arrive while a flush runs are projected together by the next one (a group commit): an encounter's
    events on several topics mostly arrive together, and then cost one rewrite of its trail, not one
    per topic. A combined flush that fails is retried batch by batch, so one agent's bad record never
    fails another agent's batch."""

    def __init__(self, store: TrailStore) -> None:
        self.store = store
        self.lock = asyncio.Lock()
        self.pending: list[tuple[Sequence[Keyed], asyncio.Future[None]]] = []

    async def __call__(self, keyed: Sequence[Keyed]) -> None:
        if not keyed:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((keyed, done))
        async with self.lock:
            if self.pending:
                waiting, self.pending = self.pending, []
                await self.flush(waiting)
        await done

    async def flush(self, waiting: list[tuple[Sequence[Keyed], asyncio.Future[None]]]) -> None:
        try:
            await self.project([item for keyed, _ in waiting for item in keyed])
        except Exception as error:  # noqa: BLE001 - told to each waiting batch below
            if len(waiting) == 1:
                waiting[0][1].set_exception(error)
                return
            for keyed, done in waiting:
                await self.flush([(keyed, done)])
            return
        for _, done in waiting:
            done.set_result(None)

    async def project(self, keyed: Sequence[Keyed]) -> None:
        stored = await self.store.trails(list(dict.fromkeys(key for key, _, _ in keyed)))
        updated = project(stored, keyed)
        await self.store.create([trail for key, trail in updated.items() if key not in stored])
        await self.store.save([trail for key, trail in updated.items() if key in stored and trail != stored[key]])
