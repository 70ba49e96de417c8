"""The eligibility service's ports and settings: the repository, the clearinghouse, how to ask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.eligibility.domain.model import (
    CoverageId,
)
from services.eligibility.domain.status import Waiting
from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.outbox import Record

SERVICE = "eligibility"


class PayerUnavailable(Exception):
    """The clearinghouse or payer did not answer (timeout, connection refused, 5xx)."""


class EligibilityGateway(Protocol):
    async def exchange(self, x270: str, payer_id: str) -> str:
        """Send a 270 and return the 271; raise PayerUnavailable when there is no answer."""


class EligibilityRepository(Protocol):
    async def known(self, keys: Sequence[str]) -> set[str]: ...
    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]: ...
    async def save_verifications(self, saved: list[SavedVerification]) -> None: ...
    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]: ...
    async def save_waiting(self, entries: list[Waiting]) -> None: ...
    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]: ...
    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]: ...
    async def records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    async def resolve(self, key: str, status: str, verification: Verification, outbox: list[Outgoing]) -> bool: ...
    async def clear_waiting(self, keys: Sequence[str]) -> None: ...
    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None: ...
    async def add_evidence(self, key: str, verification: Verification) -> None: ...
    async def coverage(self, coverage_key: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class SavedVerification:
    """A coverage-level verification with the raw exchange that proves it."""

    coverage: CoverageId
    verification: Verification
    inquiry_x12: str | None = None
    response_x12: str | None = None


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
