"""The clearinghouse's SFTP-style inbound folder as the services read it: files matching a
service's patterns, oldest name first, archived by outcome once handled (never deleted)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class FolderInbox:
    def __init__(
        self,
        exchange_root: Path,
        patterns: tuple[str, ...],
        archive: str,
        order: Callable[[Path], Any] = lambda path: path.name,
    ) -> None:
        self.inbound = exchange_root / "inbound"
        self.archive = self.inbound / archive
        self.patterns, self.order = patterns, order

    def waiting(self, limit: int = 50) -> list[Path]:
        if not self.inbound.is_dir():
            return []
        found = [p for pattern in self.patterns for p in self.inbound.glob(pattern) if p.is_file()]
        return sorted(found, key=self.order)[:limit]

    async def read(self, path: Path) -> str:
        return await asyncio.to_thread(path.read_text)

    def archive_file(self, path: Path, outcome: str) -> None:
        target = self.archive / outcome
        target.mkdir(parents=True, exist_ok=True)
        os.replace(path, target / path.name)
