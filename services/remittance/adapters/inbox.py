"""Reading 835 files from the clearinghouse's inbound folder and archiving them once handled."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


class EraInbox:
    def __init__(self, exchange_root: Path) -> None:
        self.inbound = exchange_root / "inbound"
        self.archive = self.inbound / "archive"

    def waiting(self, limit: int = 50) -> list[Path]:
        if not self.inbound.is_dir():
            return []
        return sorted(p for p in self.inbound.glob("*.835") if p.is_file())[:limit]

    async def read(self, path: Path) -> str:
        return await asyncio.to_thread(path.read_text)

    def archive_file(self, path: Path, outcome: str) -> None:
        target = self.archive / outcome
        target.mkdir(parents=True, exist_ok=True)
        os.replace(path, target / path.name)
