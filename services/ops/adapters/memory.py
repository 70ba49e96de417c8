"""In-memory ops read model, owners' desks and broker, for unit tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.ops.domain.summary import (
    Search,
    Summary,
    changed_since,
    is_outstanding,
    needs_attention,
    newest_visit_first,
    summarize,
)
from services.ops.domain.trail import Trail
from services.ops.domain.worklist import Item


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

    async def create(self, trails: Sequence[Trail]) -> None:
        await self.save(trails)

    async def keys(self) -> set[str]:
        self.reads += 1
        return set(self.docs)

    def all(self) -> list[Summary]:
        return [summarize(trail) for trail in self.docs.values()]

    async def trail(self, key: str) -> Trail | None:
        return self.docs.get(key)

    async def search(self, search: Search, skip: int, limit: int) -> tuple[list[Summary], int]:
        found = newest_visit_first(await self.summaries(search))
        return found[skip : skip + limit], len(found)

    async def summaries(self, search: Search) -> list[Summary]:
        return [s for s in self.all() if search.matches(s)]

    async def outstanding(self) -> list[Summary]:
        return [s for s in self.all() if is_outstanding(s)]

    async def needing_attention(self) -> list[Summary]:
        return [s for s in self.all() if needs_attention(s)]

    async def changed_since(self, moment: datetime) -> list[Summary]:
        return [s for s in self.all() if changed_since(moment)(s)]

    async def state_counts(self) -> dict[str, int]:
        return dict(Counter(s.state for s in self.all()))


@dataclass
class FixedDesks:
    found: list[Item] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)

    async def items(self) -> tuple[list[Item], dict[str, str]]:
        return list(self.found), dict(self.unavailable)


@dataclass
class FixedBroker:
    lags: dict[tuple[str, str], int] = field(default_factory=dict)
    letters: dict[str, int] = field(default_factory=dict)

    async def lag(self) -> dict[tuple[str, str], int]:
        return dict(self.lags)

    async def dead_letters(self) -> dict[str, int]:
        return dict(self.letters)
