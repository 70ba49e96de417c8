"""The audit chain, pure. Each entry carries the hash of the one before it and its own keyed hash
(HMAC under a key derived from the PHI lookup key), so an entry edited, removed from the middle, or
cut from the end (the chain's head remembers its last entry) is found by `problems`, and someone
with only the database cannot write a chain that verifies."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
Mac = Callable[[bytes], str]
# What the chain's hash covers: everything but the storage id and the hash itself.
UNHASHED = ("_id", "hash")


@dataclass(frozen=True)
class Head:
    chain: str
    seq: int
    hash: str


def canonical(entry: Mapping[str, Any]) -> bytes:
    kept = {name: value for name, value in entry.items() if name not in UNHASHED}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str).encode()


def linked(head: Head, fields: Mapping[str, Any], mac: Mac) -> dict[str, Any]:
    """The next entry of `head`'s chain."""
    seq = head.seq + 1
    entry = {**fields, "chain": head.chain, "seq": seq, "prev": head.hash}
    return {"_id": entry_id(head.chain, seq), **entry, "hash": mac(canonical(entry))}


def entry_id(chain: str, seq: int) -> str:
    return f"{chain}:{seq:012d}"


def new_head(chain: str) -> Head:
    return Head(chain, 0, GENESIS)


def head_after(entry: Mapping[str, Any]) -> Head:
    return Head(entry["chain"], entry["seq"], entry["hash"])


def problems(entries: Sequence[Mapping[str, Any]], head: Head | None, mac: Mac) -> list[str]:
    """Every break in one chain's entries (in `seq` order), each named by its position."""
    found, expected = [], new_head(entries[0]["chain"] if entries else head.chain if head else "?")
    for entry in entries:
        seq = entry.get("seq")
        if seq != expected.seq + 1:
            found.append(f"entries {expected.seq + 1}–{seq - 1 if isinstance(seq, int) else '?'} are missing")
        elif entry.get("prev") != expected.hash:
            found.append(f"entry {seq} does not follow entry {expected.seq}")
        if mac(canonical(entry)) != entry.get("hash"):
            found.append(f"entry {seq} was changed after it was written")
        expected = Head(expected.chain, seq if isinstance(seq, int) else expected.seq + 1, str(entry.get("hash")))
    if head is not None and (head.seq, head.hash) != (expected.seq, expected.hash):
        found.append(f"the chain ends at entry {expected.seq} but its head says {head.seq}: entries were removed")
    return found
