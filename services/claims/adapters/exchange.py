"""The clearinghouse's SFTP-style folders: claims go to `outbound/`, replies come to `inbound/`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

ACK_SUFFIXES = ("*.999", "*.277")


def write_atomically(path: Path, content: str) -> None:
    """Readers poll the folder; a rename makes the file appear whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name("." + path.name + ".part")
    partial.write_text(content)
    os.replace(partial, path)


class DirectoryExchange:
    def __init__(self, root: Path) -> None:
        self.outbound = root / "outbound"
        self.inbound = root / "inbound"

    async def drop_outbound(self, file_name: str, content: str) -> None:
        await asyncio.to_thread(write_atomically, self.outbound / file_name, content)


class AckInbox:
    """999 and 277CA files in the inbound folder; archived by outcome once read."""

    def __init__(self, root: Path) -> None:
        self.inbound = root / "inbound"
        self.archive = self.inbound / "claims-archive"

    def waiting(self, limit: int = 50) -> list[Path]:
        if not self.inbound.is_dir():
            return []
        found = [p for pattern in ACK_SUFFIXES for p in self.inbound.glob(pattern) if p.is_file()]
        return sorted(found, key=lambda p: (p.stem, p.suffix != ".999"))[:limit]  # an interchange's 999 first

    async def read(self, path: Path) -> str:
        return await asyncio.to_thread(path.read_text)

    def archive_file(self, path: Path, outcome: str) -> None:
        target = self.archive / outcome
        target.mkdir(parents=True, exist_ok=True)
        os.replace(path, target / path.name)
