"""The clearinghouse's SFTP-style inbound folder as the services read it: files matching a
service's patterns, oldest name first, archived by outcome once handled (never deleted)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


class UnreadableFile(ValueError):
    """The file is there but cannot be read (gone meanwhile, no permission, a directory…)."""


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
        try:
            return decoded(await asyncio.to_thread(path.read_bytes))
        except OSError as error:
            raise UnreadableFile(f"{path.name}: {error.strerror or type(error).__name__}") from error

    def archive_file(self, path: Path, outcome: str, reasons: Sequence[str] = ()) -> None:
        """Move the file under `<archive>/<outcome>/`, with why beside it (`<name>.reason`) when it
        did not go through; a file that vanished meanwhile is already out of the way."""
        target = self.archive / outcome
        target.mkdir(parents=True, exist_ok=True)
        if reasons:
            (target / f"{path.name}.reason").write_text("\n".join(reasons) + "\n")
        try:
            os.replace(path, target / path.name)
        except FileNotFoundError:
            return


def decoded(raw: bytes) -> str:
    """X12 is ASCII, but partners send UTF-8 (with or without a byte order mark) or Latin-1. Any bytes
    become text, so that the parser, not the decoder, says what is wrong with a file."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
