"""The coders' worklist: held encounters with their reasons, oldest first."""

from __future__ import annotations

from typing import Any

from services.coding.handlers.ports import HoldStore


class ListHolds:
    def __init__(self, store: HoldStore) -> None:
        self.store = store

    async def __call__(
        self, reason: str | None = None, limit: int = 100, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        return [public(doc) for doc in await self.store.held(reason, limit, newest_first)]

    async def one(self, key: str) -> dict[str, Any] | None:
        doc = await self.store.held_one(key)
        return public(doc) if doc else None


def public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "_id"}
