"""The coders' worklist: held encounters with their reasons, oldest first."""

from __future__ import annotations

from services.coding.domain.held import HeldEncounter
from services.coding.handlers.ports import HoldStore


class ListHolds:
    def __init__(self, store: HoldStore) -> None:
        self.store = store

    async def __call__(
        self, reason: str | None = None, limit: int = 100, newest_first: bool = False
    ) -> list[HeldEncounter]:
        return await self.store.held(reason, limit, newest_first)

    async def one(self, key: str) -> HeldEncounter | None:
        return await self.store.held_one(key)
