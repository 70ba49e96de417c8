"""In-memory claims store, exchange and inbox, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from services.claims.domain.interchange import Interchange, Step
from shared.outbox import InMemoryOutboxStore


class InMemoryClaimStore:
    def __init__(self) -> None:
        self.claims = InMemoryOutboxStore()
        self.interchanges: dict[int, Interchange] = {}
        self.billed_lines: dict[str, str] = {}
        self.pcns: dict[str, str] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.worklist_entries: dict[str, dict[str, Any]] = {}
        self.counter = 0

    async def next_control_number(self) -> int:
        self.counter += 1
        return self.counter

    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None:
        before = self.interchanges.get(control_number)
        noted = before.acknowledgements if before else ()
        self.interchanges[control_number] = Interchange(control_number, file_name, tuple(claim_ids), False, noted, x12)

    async def undropped_interchanges(self) -> list[Interchange]:
        return [found for found in self.interchanges.values() if not found.dropped]

    async def mark_dropped(self, control_number: int) -> None:
        self.interchanges[control_number] = replace(self.interchanges[control_number], dropped=True)

    async def interchange(self, control_number: int) -> Interchange | None:
        found = self.interchanges.get(control_number)
        return replace(found, x12=None) if found else None

    async def note_interchange(self, control_number: int, step: Step) -> None:
        found = self.interchanges[control_number]
        self.interchanges[control_number] = replace(found, acknowledgements=(*found.acknowledgements, step))

    async def billed(self, keys: Sequence[str]) -> dict[str, str]:
        return {key: self.billed_lines[key] for key in keys if key in self.billed_lines}

    async def remember(self, billed: dict[str, str], pcns: dict[str, str]) -> None:
        for key, value in billed.items():
            self.billed_lines.setdefault(key, value)
        for key, value in pcns.items():
            self.pcns.setdefault(key, value)

    async def records_for_pcns(self, pcns: Sequence[str]) -> dict[str, str]:
        return {pcn: self.pcns[pcn] for pcn in pcns if pcn in self.pcns}

    async def records(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: doc for i in ids if (doc := await self.claims.get(i)) is not None}

    async def save_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        for key, event in sources.items():
            self.sources.setdefault(key, event)

    async def source(self, record_id: str) -> dict[str, Any] | None:
        return self.sources.get(record_id)

    async def transition(
        self, record_id: str, expected: str | None, status: str | None, entry: Step, extra: dict[str, Any]
    ) -> bool:
        doc = self.claims.docs[record_id]
        if expected is not None and doc["status"] != expected:
            return False
        doc |= extra | ({"status": status} if status else {})
        doc["history"] = [*doc.get("history", []), entry]
        return True

    async def worklist(self, status: str, limit: int) -> list[dict[str, Any]]:
        docs = [d for d in self.worklist_entries.values() if d["status"] == status]
        return sorted(docs, key=lambda d: d["since"])[:limit]

    async def enlist(self, entries: list[dict[str, Any]]) -> None:
        self.worklist_entries |= {entry["_id"]: entry for entry in entries}

    async def delist(self, record_ids: Sequence[str]) -> None:
        for record_id in record_ids:
            self.worklist_entries.pop(record_id, None)

    async def add_version(self, key: str, record_id: str) -> None:
        doc = self.claims.docs[key]
        doc |= {"current": record_id, "versions": [*doc.get("versions", []), record_id]}


class InMemoryExchange:
    def __init__(self) -> None:
        self.outbound: dict[str, str] = {}

    async def drop_outbound(self, file_name: str, content: str) -> None:
        self.outbound[file_name] = content
