"""`telebill audit verify`: every API's audit chains, in every service's database, checked entry by
entry; `telebill audit list`: the newest entries of one service."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console

from shared.audit.chain import Head, problems
from shared.audit.log import ENTRIES, HEADS, chain_mac
from shared.mongo import Document, sync_database
from shared.phi.ring import ring_from
from shared.settings import Settings

SERVICES = ("ingest", "eligibility", "coding", "claims", "remittance", "ops")


def chains_of(settings: Settings, service: str) -> dict[str, tuple[list[Document], Head | None]]:
    database = sync_database(settings, service)
    entries: dict[str, list[Document]] = defaultdict(list)
    for entry in database[ENTRIES].find({}):
        entries[entry["chain"]].append(entry)
    heads = {doc["_id"]: Head(doc["_id"], doc["seq"], doc["hash"]) for doc in database[HEADS].find({})}
    return {
        chain: (sorted(entries.get(chain, []), key=lambda entry: entry["seq"]), heads.get(chain))
        for chain in set(entries) | set(heads)
    }


def chain_report(settings: Settings, service: str) -> list[tuple[str, int, list[str]]]:
    mac = chain_mac(ring_from(settings))
    report = []
    for chain, (entries, head) in sorted(chains_of(settings, service).items()):
        found = problems(entries, head, mac)
        if head is None:
            found.append("the chain has no head: its last entries cannot be checked")
        report.append((chain, len(entries), found))
    return report


def verify(settings: Settings, console: Console, services: tuple[str, ...] = SERVICES) -> int:
    """0 when every chain holds, 1 when any entry was changed or removed (each is named)."""
    broken = 0
    for service in services:
        for chain, count, found in chain_report(settings, service):
            broken += bool(found)
            status = "[green]intact[/green]" if not found else f"[red]{len(found)} problem(s)[/red]"
            console.print(f"{service:<12} {chain:<24} {count:>7} entries  {status}")
            for problem in found:
                console.print(f"    {problem}")
    return 1 if broken else 0


def newest(settings: Settings, service: str, limit: int) -> list[dict[str, Any]]:
    return list(sync_database(settings, service)[ENTRIES].find({}).sort("at", -1).limit(limit))
