"""835 files from the clearinghouse's inbound folder, archived under `archive/<outcome>/`."""

from __future__ import annotations

from pathlib import Path

from shared.folders import FolderInbox


def era_inbox(exchange_root: Path) -> FolderInbox:
    return FolderInbox(exchange_root, ("*.835",), "archive")
