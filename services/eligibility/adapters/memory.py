"""In-memory adapters with the Mongo repository's and the clearinghouse's behaviour, for unit tests:
the same storage rules and codecs over in-memory outboxes and documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.eligibility.adapters.repository import Documents, EligibilityStorage, Update
from services.eligibility.domain.status import Waiting
from services.eligibility.handlers.ports import PayerUnavailable
from shared.outbox import InMemoryOutboxStore


class InMemoryDocuments(Documents):
    def __init__(self, docs: dict[str, dict[str, Any]] | None = None) -> None:
        self.docs = {} if docs is None else docs

    async def find(self, ids: Sequence[str], fields: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        found = {key: self.docs[key] for key in ids if key in self.docs}
        if not fields:
            return deepcopy(found)
        return {key: deepcopy({"_id": key} | {f: doc[f] for f in fields if f in doc}) for key, doc in found.items()}

    async def update(self, updates: Sequence[Update], upsert: bool = False) -> None:
        for update in updates:
            if update.key not in self.docs and not upsert:
                continue
            doc = self.docs.setdefault(update.key, {"_id": update.key})
            doc |= deepcopy(update.fields)
            for name, item in update.appended.items():
                doc[name] = [*doc.get(name, []), deepcopy(item)]


class InMemoryEligibilityRepository(EligibilityStorage):
    def __init__(self) -> None:
        self.encounter_store, self.resolution_store = InMemoryOutboxStore(), InMemoryOutboxStore()
        self.coverage_docs = InMemoryDocuments()
        super().__init__(
            self.encounter_store,
            InMemoryDocuments(self.encounter_store.docs),
            self.resolution_store,
            self.coverage_docs,
        )
        self.waiting_docs: dict[str, Waiting] = {}

    async def save_waiting(self, entries: list[Waiting]) -> None:
        for entry in entries:
            self.waiting_docs.setdefault(entry.key, entry)

    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]:
        entries = [e for e in self.waiting_docs.values() if kind is None or e.kind == kind]
        return sorted(entries, key=lambda e: e.since)[:limit]

    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]:
        due = [e for e in await self.waiting("payer", 100_000) if e.next_at <= now]
        return sorted(due, key=lambda e: e.next_at)[:limit]

    async def clear_waiting(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.waiting_docs.pop(key, None)

    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None:
        self.waiting_docs[key] = replace(
            self.waiting_docs[key], rounds=rounds, attempts=attempts, next_at=next_at, reason=error
        )


class CallableGateway:
    """A clearinghouse that answers with a function (the simulator's, in tests); payers in `down`
    do not answer at all."""

    def __init__(self, answer: Callable[[str], str]) -> None:
        self.answer, self.down, self.asked = answer, set[str](), 0

    async def exchange(self, x270: str, payer_id: str) -> str:
        self.asked += 1
        if "*" in self.down or payer_id in self.down:
            raise PayerUnavailable(f"payer {payer_id} did not answer (simulated outage)")
        return self.answer(x270)
