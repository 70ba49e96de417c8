"""What ingest accepted before a time: where `telebill reconcile` starts following encounters."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.ingest.bootstrap import Ingest


class AcceptedList(Protocol):
    async def accepted_before(self, before: datetime, limit: int) -> list[str]: ...


class AcceptedBefore:
    def __init__(self, store: AcceptedList) -> None:
        self.store = store

    async def __call__(self, before: datetime, limit: int) -> list[str]:
        return await self.store.accepted_before(before, limit)


def accepted_before_for(ingest: Ingest) -> AcceptedBefore:
    """Over the API's own store: the real store and the fake both list what they accepted."""
    store: AcceptedList = ingest.store  # type: ignore[assignment]
    return AcceptedBefore(store)
