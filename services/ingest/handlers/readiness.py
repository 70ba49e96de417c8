"""Whether the broker and the database answer now (what `/readyz` says)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from services.ingest.handlers.ports import Dependency


class Readiness:
    """Ready while the broker and the database answer."""

    def __init__(self, dependencies: Mapping[str, Dependency]) -> None:
        self.dependencies = dependencies

    async def __call__(self) -> dict[str, bool]:
        answers = await asyncio.gather(*(d.reachable() for d in self.dependencies.values()))
        return dict(zip(self.dependencies, answers, strict=True))
