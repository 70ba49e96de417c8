"""The clearinghouse's SFTP-style folders: claims go to `outbound/`, replies come to `inbound/`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from shared.folders import FolderInbox

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


def ack_inbox(root: Path) -> FolderInbox:
    """999 and 277CA files, an interchange's 999 before its 277CA; archived under `claims-archive/`."""
    return FolderInbox(root, ACK_SUFFIXES, "claims-archive", lambda p: (p.stem, p.suffix != ".999"))
