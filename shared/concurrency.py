"""Fan-out without flooding: at most a few database commands in flight at once.

A client holds a small pool (TELEBILL_MONGO_MAX_POOL_SIZE, 8), and a command waiting for a pooled
connection spends its own time limit there: gathering hundreds of commands at once made the later
ones time out in the queue, so a large 277CA failed its round again and again and the claims
lifecycle stalled. Bounded, each command waits only for the few ahead of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from shared.settings import Settings

T = TypeVar("T")
IN_FLIGHT: int = Settings.model_fields["mongo_max_pool_size"].default  # the pool: more at once only queue


async def gather_at_most(awaitables: Iterable[Awaitable[T]], limit: int = IN_FLIGHT) -> list[T]:
    """`asyncio.gather`, results in order, with at most `limit` of them running at a time."""
    slots = asyncio.Semaphore(limit)

    async def in_slot(awaitable: Awaitable[T]) -> T:
        async with slots:
            return await awaitable

    return list(await asyncio.gather(*(in_slot(awaitable) for awaitable in awaitables)))
