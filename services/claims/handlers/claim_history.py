"""A claim's history, every step in order, for the claims API."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.claims.domain.lifecycle import RANK, ClaimStatus
from services.claims.domain.records import ClaimRecord
from services.claims.handlers.ports import ClaimStore

STEP_ORDER = RANK | {"acknowledged": RANK[ClaimStatus.SUBMITTED]}  # at one instant, a 999 follows its submission


@dataclass(frozen=True)
class ClaimVersions:
    """A claim and its replacements or voids, oldest first, each with its whole history."""

    claim: ClaimRecord
    versions: tuple[ClaimRecord, ...] = ()


class ClaimHistory:
    """A claim with every step, and its versions likewise: its own history, and the 999
    acknowledgements of its interchange (kept once there, not written into each claim)."""

    def __init__(self, store: ClaimStore) -> None:
        self.store = store

    async def __call__(self, key: str) -> ClaimVersions | None:
        claim = (await self.store.records([key])).get(key)
        if claim is None:
            return None
        versions = await self.store.records(claim.versions)
        found = [versions[version] for version in claim.versions if version in versions]
        return ClaimVersions(
            await self.with_acknowledgements(claim), tuple([await self.with_acknowledgements(v) for v in found])
        )

    async def with_acknowledgements(self, record: ClaimRecord) -> ClaimRecord:
        number = record.submission.interchange_control_number if record.submission else None
        interchange = await self.store.interchange(number) if number is not None else None
        steps = [*record.history, *(interchange.acknowledgements if interchange else ())]
        in_order = sorted(steps, key=lambda step: (step["at"], STEP_ORDER.get(step["status"], 0)))
        return replace(record, history=tuple(in_order))
