"""A claim's history, every step in order, for the claims API."""

from __future__ import annotations

from typing import Any

from services.claims.domain.lifecycle import RANK, ClaimStatus
from services.claims.handlers.ports import ClaimStore

STEP_ORDER = RANK | {"acknowledged": RANK[ClaimStatus.SUBMITTED]}  # at one instant, a 999 follows its submission


class ClaimHistory:
    """A claim with every step, and its versions likewise: its own history, and the 999
    acknowledgements of its interchange (kept once there, not written into each claim)."""

    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, key: str) -> dict[str, Any] | None:
        found = await self.store.records([key])
        if key not in found:
            return None
        versions = await self.store.records(found[key].get("versions", []))
        return await self.with_acknowledgements(found[key]) | {
            "version_records": [await self.with_acknowledgements(versions[v]) for v in versions]
        }

    async def with_acknowledgements(self, doc: dict[str, Any]) -> dict[str, Any]:
        number = doc.get("interchange_control_number")
        interchange = await self.store.interchange(number) if number is not None else None
        steps = doc.get("history", []) + list(interchange.acknowledgements if interchange else ())
        return doc | {"history": sorted(steps, key=lambda step: (step["at"], STEP_ORDER.get(step["status"], 0)))}
