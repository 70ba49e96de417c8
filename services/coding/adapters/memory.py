"""In-memory coding storage with the Mongo adapters' behaviour (the same `CodingStorage` and codecs
over in-memory backends), for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.coding.adapters.documents import held_document, held_from
from services.coding.adapters.repository import CodingStorage, HeldList
from services.coding.domain.held import HeldEncounter
from shared.outbox import InMemoryOutboxStore


class InMemoryHeldList(HeldList):
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def add(self, entries: Sequence[HeldEncounter]) -> None:
        for entry in entries:
            self.docs.setdefault(entry.key, held_document(entry))

    async def remove(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.docs.pop(key, None)

    async def entries(self) -> list[HeldEncounter]:
        return [held_from(doc) for doc in self.docs.values()]

    async def entry(self, key: str) -> HeldEncounter | None:
        return held_from(self.docs[key]) if key in self.docs else None


class InMemoryCodingStore(CodingStorage):
    def __init__(self) -> None:
        self.backend = InMemoryOutboxStore()
        super().__init__(self.backend, InMemoryOutboxStore(), InMemoryOutboxStore(), InMemoryHeldList())
