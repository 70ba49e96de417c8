"""In-memory claims store and exchange, for unit tests."""

from __future__ import annotations

from typing import Any

from shared.outbox import InMemoryOutboxStore


class InMemoryClaimStore:
    def __init__(self) -> None:
        self.claims = InMemoryOutboxStore()
        self.interchanges: dict[int, dict[str, Any]] = {}
        self.counter = 0

    async def next_control_number(self) -> int:
        self.counter += 1
        return self.counter

    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None:
        self.interchanges.setdefault(
            control_number,
            {"_id": control_number, "file_name": file_name, "x12": x12, "claim_ids": claim_ids, "dropped": False},
        )

    async def undropped_interchanges(self) -> list[dict[str, Any]]:
        return [doc for doc in self.interchanges.values() if not doc["dropped"]]

    async def mark_dropped(self, control_number: int) -> None:
        self.interchanges[control_number]["dropped"] = True


class InMemoryExchange:
    def __init__(self) -> None:
        self.outbound: dict[str, str] = {}

    async def drop_outbound(self, file_name: str, content: str) -> None:
        self.outbound[file_name] = content
