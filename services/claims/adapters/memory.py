"""In-memory claims store, exchange and inbox, for unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from services.claims.adapters.records import CLAIMS, WORKLIST, changes_document, source_document, step_document
from services.claims.domain.interchange import Interchange, Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimChanges, ClaimRecord, WorklistEntry
from shared.contracts.events import ClaimCoded
from shared.outbox import InMemoryOutboxStore, Records


class InMemoryClaimStore:
    """Keeps the documents the Mongo store keeps, through the same codecs (so unit tests seal too)."""

    def __init__(self) -> None:
        self.outbox = InMemoryOutboxStore()
        self.claims = Records(self.outbox, CLAIMS)
        self.interchanges: dict[int, Interchange] = {}
        self.billed_lines: dict[str, str] = {}
        self.pcns: dict[str, str] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.worklist_entries: dict[str, dict[str, Any]] = {}  # worklist documents, by claim record id
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

    async def records(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self.claims.many(ids)

    async def save_sources(self, sources: dict[str, ClaimCoded]) -> None:
        for key, event in sources.items():
            self.sources.setdefault(key, source_document(event))

    async def source(self, record_id: str) -> ClaimCoded | None:
        found = self.sources.get(record_id)
        return ClaimCoded.model_validate(found) if found is not None else None

    async def transition(
        self,
        record_id: str,
        expected: ClaimStatus | None,
        status: ClaimStatus | None,
        entry: Step,
        changes: ClaimChanges,
    ) -> bool:
        doc = self.outbox.docs[record_id]
        if expected is not None and doc["status"] != expected:
            return False
        doc |= changes_document(status, changes)
        doc["history"] = [*doc.get("history", []), step_document(entry)]
        return True

    async def worklist(self, status: ClaimStatus, limit: int) -> list[WorklistEntry]:
        docs = [doc for doc in self.worklist_entries.values() if doc["status"] == status]
        return [WORKLIST.record(doc) for doc in sorted(docs, key=lambda doc: doc["since"])[:limit]]

    async def enlist(self, entries: list[WorklistEntry]) -> None:
        self.worklist_entries |= {entry.key: {"_id": entry.key, **WORKLIST.document(entry)} for entry in entries}

    async def delist(self, record_ids: Sequence[str]) -> None:
        for record_id in record_ids:
            self.worklist_entries.pop(record_id, None)

    async def add_version(self, key: str, record_id: str) -> None:
        doc = self.outbox.docs[key]
        doc |= {"current": record_id, "versions": [*doc.get("versions", []), record_id]}


class InMemoryExchange:
    def __init__(self) -> None:
        self.outbound: dict[str, str] = {}

    async def drop_outbound(self, file_name: str, content: str) -> None:
        self.outbound[file_name] = content
