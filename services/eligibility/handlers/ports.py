"""The eligibility service's ports and settings: the repository, the clearinghouse, how to ask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.eligibility.domain.records import CoverageRecord, EncounterRecord, Resolution, SavedVerification
from services.eligibility.domain.status import Waiting
from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.outbox import Recorded

SERVICE = "eligibility"


class PayerUnavailable(Exception):
    """The clearinghouse or payer did not answer (timeout, connection refused, 5xx)."""


class EligibilityGateway(Protocol):
    async def exchange(self, x270: str, payer_id: str) -> str:
        """Send a 270 and return the 271; raise PayerUnavailable when there is no answer."""


class EligibilityRepository(Protocol):
    async def known(self, keys: Sequence[str]) -> set[str]: ...
    async def records(self, keys: Sequence[str]) -> dict[str, EncounterRecord]: ...

    async def save_and_publish(
        self, entries: Sequence[Recorded[EncounterRecord]], redelivered: Sequence[str], publisher: Publisher
    ) -> set[str]:
        """Insert new encounters' records (keyed by encounter) and publish their events; re-send what
        the redelivered encounters' records never got out. Returns the keys that were new."""

    async def resolve_and_publish(self, resolutions: Sequence[Recorded[Resolution]], publisher: Publisher) -> set[str]:
        """Move waiting records (resolutions keyed by encounter) to their outcomes, each waiting step
        claimed once; publish the winners' events in one batch. Returns the keys that won."""

    async def publish_pending_resolutions(self, records: Sequence[EncounterRecord], publisher: Publisher) -> None:
        """Send the events of these records' resolutions that the broker never acknowledged."""

    async def stored_events(self, records: Sequence[EncounterRecord]) -> dict[str, list[Outgoing]]:
        """Every event each record announced, published or not, in the order they were announced."""

    async def add_evidence(self, key: str, verification: Verification) -> None: ...
    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]: ...
    async def save_verifications(self, saved: Sequence[SavedVerification]) -> None: ...
    async def coverage(self, coverage_key: str) -> CoverageRecord | None: ...
    async def save_waiting(self, entries: list[Waiting]) -> None: ...
    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]: ...
    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]: ...
    async def clear_waiting(self, keys: Sequence[str]) -> None: ...
    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None: ...


@dataclass(frozen=True)
class Asking:
    """How the payer is asked: envelope ids, bounded retries with backoff, a per-payer pause."""

    sender_id: str
    receiver_id: str
    usage: str
    attempts: int
    backoff_seconds: float
    concurrency: int
    pause_seconds: float = 10.0
