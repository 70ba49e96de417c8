"""The ops read model's ports: the trails it keeps, the read side, the services' desks, the broker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.ops.domain.summary import Search, Summary
from services.ops.domain.trail import Trail
from services.ops.domain.worklist import Item

SERVICE = "ops"


class TrailStore(Protocol):
    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        """The stored trails of these encounters (the ones that have any)."""

    async def save(self, trails: Sequence[Trail]) -> None:
        """Store each trail whole, by its correlation id."""

    async def create(self, trails: Sequence[Trail]) -> None:
        """Store trails the store did not have when read (cheaper than `save` where that matters)."""


class ReadModel(Protocol):
    async def trail(self, key: str) -> Trail | None: ...
    async def search(self, search: Search, skip: int, limit: int) -> tuple[list[Summary], int]: ...
    async def summaries(self, search: Search) -> list[Summary]: ...
    async def outstanding(self) -> list[Summary]: ...
    async def needing_attention(self) -> list[Summary]: ...
    async def changed_since(self, moment: datetime) -> list[Summary]: ...
    async def state_counts(self) -> dict[str, int]: ...


class Desks(Protocol):
    async def items(self) -> tuple[list[Item], dict[str, str]]:
        """Every owner's worklist items, and the kinds whose owner did not answer (with why)."""


class Broker(Protocol):
    async def lag(self) -> dict[tuple[str, str], int]:
        """Records each consumer group has not committed yet, by (group, topic)."""

    async def dead_letters(self) -> dict[str, int]:
        """Records ever written to each dead-letter topic."""
