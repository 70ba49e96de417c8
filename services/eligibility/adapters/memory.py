"""In-memory adapters with the Mongo repository's and the clearinghouse's behaviour, for unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.eligibility.domain.status import WAITING, Waiting
from services.eligibility.handlers.ports import PayerUnavailable, SavedVerification
from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.outbox import InMemoryOutboxStore, Record


class InMemoryEligibilityRepository:
    def __init__(self) -> None:
        self.encounters = InMemoryOutboxStore()
        self.coverages: dict[str, dict[str, Any]] = {}
        self.waiting_docs: dict[str, Waiting] = {}

    @property
    def verifications(self) -> dict[str, list[Verification]]:
        return {key: [Verification.model_validate(h) for h in doc["history"]] for key, doc in self.coverages.items()}

    async def known(self, keys: Sequence[str]) -> set[str]:
        return await self.encounters.known(keys)

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        return {
            k: Verification.model_validate(self.coverages[k]["latest"]) for k in coverage_keys if k in self.coverages
        }

    async def save_verifications(self, saved: list[SavedVerification]) -> None:
        for item in saved:
            stored = item.verification.model_dump(mode="json")
            doc = self.coverages.setdefault(item.coverage.key, {"history": []})
            doc["latest"] = stored
            doc["history"].append(stored | {"inquiry_x12": item.inquiry_x12, "response_x12": item.response_x12})

    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]:
        return await self.encounters.save_and_publish(records, publisher)

    async def save_waiting(self, entries: list[Waiting]) -> None:
        for entry in entries:
            self.waiting_docs.setdefault(entry.key, entry)

    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]:
        entries = [e for e in self.waiting_docs.values() if kind is None or e.kind == kind]
        return sorted(entries, key=lambda e: e.since)[:limit]

    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]:
        due = [e for e in await self.waiting("payer", 100_000) if e.next_at <= now]
        return sorted(due, key=lambda e: e.next_at)[:limit]

    async def records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: doc for key in keys if (doc := await self.encounters.get(key)) is not None}

    async def resolve(self, key: str, status: str, verification: Verification, outbox: list[Outgoing]) -> bool:
        doc = self.encounters.docs.get(key)
        if doc is None or doc["status"] not in WAITING:
            return False
        doc["history"] = [*doc.get("history", []), doc["verification"]]
        doc |= {"status": status, "verification": verification.model_dump(mode="json")}
        doc["resolution_outbox"] = [message.model_dump() for message in outbox]
        return True

    async def clear_waiting(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.waiting_docs.pop(key, None)

    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None:
        self.waiting_docs[key] = replace(
            self.waiting_docs[key], rounds=rounds, attempts=attempts, next_at=next_at, reason=error
        )

    async def add_evidence(self, key: str, verification: Verification) -> None:
        doc = self.encounters.docs[key]
        doc["evidence"] = [*doc.get("evidence", []), verification.model_dump(mode="json")]

    async def coverage(self, coverage_key: str) -> dict[str, Any] | None:
        return self.coverages.get(coverage_key)


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
