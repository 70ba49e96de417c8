"""The ingest API's ports: the encounter log (Kafka), the accepted keys, the signatures seen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.ingest.domain.idempotency import Accepted
from shared.messaging import Publisher

SERVICE = "ingest"


class Unavailable(Exception):
    """The broker or the database cannot be reached now; the request may be retried as it is."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency, self.reason = dependency, reason


class Dependency(Protocol):
    async def reachable(self) -> bool: ...
    async def close(self) -> None: ...


class EncounterLog(Publisher, Dependency, Protocol):
    """Where accepted encounters go: `publish` returns once the broker has every message."""


class AcceptedStore(Dependency, Protocol):
    async def find(self, keys: Sequence[str]) -> dict[str, Accepted]: ...
    async def record(self, accepted: Sequence[Accepted]) -> set[str]:
        """Insert the ones whose key is new (first write wins); return those keys."""
        ...


class SeenSignatures(Protocol):
    async def first_time(self, digest: str, at: datetime) -> bool:
        """Remember a signature; False when it was seen before (a replay)."""
        ...


@dataclass(frozen=True)
class Signing:
    """Who may sign (a source's current secrets) and how fresh a signature must be."""

    secrets_for: Callable[[str], list[str]]
    window_seconds: int
    seen: SeenSignatures
