"""A worker's agents and timers ask for its use cases at the same moment: they must share one set."""

from __future__ import annotations

import asyncio

from shared.once import Once


def test_callers_asking_at_once_share_one_value_built_once() -> None:
    built: list[object] = []

    async def build() -> object:
        await asyncio.sleep(0.01)  # as ensure_indexes does: the others ask meanwhile
        built.append(object())
        return built[-1]

    async def three_callers() -> list[object]:
        once: Once[object] = Once()
        return list(await asyncio.gather(once.get(build), once.get(build), once.get(build)))

    values = asyncio.run(three_callers())
    assert len(built) == 1 and all(value is built[0] for value in values)
