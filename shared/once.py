"""One set of use cases per worker process, however many callers ask for it at the same moment.

A worker's agents and timers all start together and each asks for the use cases. Built twice, the
claims worker had two lifecycles with two sets of per-claim locks, so its payment consumer and its
acknowledgement timer wrote the same claim at once, and FerretDB, which writes a whole document from
the snapshot it read, lost a payment (found by the chaos drill).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from shared.settings import Settings

T = TypeVar("T")
WorkerBuild = Callable[[Any, Settings], Awaitable[T]]  # (the faust app, settings) -> the use cases


class Once(Generic[T]):
    def __init__(self) -> None:
        self._value: T | None = None
        self._building: asyncio.Lock | None = None

    async def get(self, build: Callable[[], Awaitable[T]]) -> T:
        if self._value is None:
            self._building = self._building or asyncio.Lock()
            async with self._building:
                if self._value is None:
                    self._value = await build()
        return self._value

    @property
    def built(self) -> T | None:
        """The value if it was built already (never builds it)."""
        return self._value


class OncePerProcess(Generic[T]):
    """A worker's `build_worker`: called by every agent and timer, builds on the first call only."""

    def __init__(self, build: WorkerBuild[T]) -> None:
        self.build = build
        self.once: Once[T] = Once()

    async def __call__(self, app: Any, settings: Settings) -> T:
        return await self.once.get(lambda: self.build(app, settings))

    @property
    def built(self) -> T | None:
        """What was built, if it was (for a rebalance hook, which must not build)."""
        return self.once.built


def once_per_process(build: WorkerBuild[T]) -> OncePerProcess[T]:
    """How every worker's bootstrap builds its use cases: on the first ask of any agent or timer,
    then the same object for all of them."""
    return OncePerProcess(build)
