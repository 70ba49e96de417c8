"""The claims service's ports and settings: what its use cases need from the world."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from services.claims.domain.acks import AckCodes
from services.claims.domain.assemble import ChargeMaster
from services.claims.domain.interchange import Interchange, Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimChanges, ClaimRecord, WorklistEntry
from services.claims.domain.scrubber import ScrubEdits
from services.claims.domain.x837 import Submitter
from shared.contracts.events import ClaimCoded
from shared.outbox import Records

SERVICE = "claims"


class ClaimStore(Protocol):
    claims: Records[ClaimRecord]

    async def next_control_number(self) -> int: ...
    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None: ...
    async def undropped_interchanges(self) -> list[Interchange]: ...
    async def mark_dropped(self, control_number: int) -> None: ...
    async def interchange(self, control_number: int) -> Interchange | None: ...
    async def note_interchange(self, control_number: int, step: Step) -> None: ...
    async def billed(self, keys: Sequence[str]) -> dict[str, str]: ...
    async def remember(self, billed: dict[str, str], pcns: dict[str, str]) -> None: ...
    async def records_for_pcns(self, pcns: Sequence[str]) -> dict[str, str]: ...
    async def records(self, ids: Sequence[str]) -> dict[str, ClaimRecord]: ...
    async def save_sources(self, sources: dict[str, ClaimCoded]) -> None:
        """Keep each claim's `claim-coded` event (what a correction starts from), by claim record id."""

    async def source(self, record_id: str) -> ClaimCoded | None: ...
    async def transition(
        self,
        record_id: str,
        expected: ClaimStatus | None,
        status: ClaimStatus | None,
        entry: Step,
        changes: ClaimChanges,
    ) -> bool:
        """Apply the step only while the claim's status is still `expected` (None: unconditionally)."""

    async def worklist(self, status: ClaimStatus, limit: int) -> list[WorklistEntry]: ...
    async def enlist(self, entries: list[WorklistEntry]) -> None: ...
    async def delist(self, record_ids: Sequence[str]) -> None: ...
    async def add_version(self, key: str, record_id: str) -> None: ...


class Exchange(Protocol):
    async def drop_outbound(self, file_name: str, content: str) -> None: ...


class Inbox(Protocol):
    def waiting(self) -> list[Path]: ...
    async def read(self, path: Path) -> str: ...
    def archive_file(self, path: Path, outcome: str, reasons: Sequence[str] = ()) -> None: ...


@dataclass(frozen=True)
class SubmissionSettings:
    sender_id: str
    receiver_id: str
    usage_indicator: str
    max_claims: int
    submitter: Submitter


@dataclass(frozen=True)
class ClaimRules:
    charges: ChargeMaster
    edits: ScrubEdits
    acks: AckCodes
    is_billable: Callable[[str], bool]


def entry(status: str, at: datetime, note: str) -> Step:
    return {"status": status, "at": at.isoformat(), "note": note}
