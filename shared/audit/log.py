"""Where audit entries are kept: `audit` (the entries, `_id` = chain:seq) and `audit_heads` (each
chain's last entry) in the service's own database. One chain per API process (`<service>-api/<instance>`);
appends are serialized in the process, so a chain never forks."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.audit.chain import Head, Mac, head_after, linked, new_head
from shared.mongo import Document
from shared.phi.keyring import KeyRing

ENTRIES, HEADS = "audit", "audit_heads"
MAC_LABEL = "audit-chain"


def chain_mac(ring: KeyRing) -> Mac:
    return functools.partial(ring.mac, label=MAC_LABEL)


@dataclass(frozen=True)
class AuditQuery:
    who: str | None = None
    resource: str | None = None
    key: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100

    def mongo_filter(self) -> Document:
        where: Document = {}
        if self.who:
            where["who"] = self.who
        if self.resource:
            where["resource"] = self.resource
        if self.key:
            where["keys"] = self.key
        moments = {"$gte": self.since, "$lt": self.until}
        if any(moments.values()):
            where["at"] = {op: moment(value) for op, value in moments.items() if value}
        return where

    def matches(self, entry: Mapping[str, Any]) -> bool:
        return all(
            (
                not self.who or entry["who"] == self.who,
                not self.resource or entry["resource"] == self.resource,
                not self.key or self.key in entry["keys"],
                not self.since or entry["at"] >= moment(self.since),
                not self.until or entry["at"] < moment(self.until),
            )
        )


def moment(at: datetime) -> str:
    """Times are kept as ISO text (milliseconds, UTC): what the hash covers survives any store."""
    return at.isoformat(timespec="milliseconds")


class AuditLog(Protocol):
    async def append(self, fields: Mapping[str, Any]) -> None: ...
    async def find(self, query: AuditQuery) -> list[Document]: ...


class MongoAuditLog:
    def __init__(self, database: AsyncDatabase[Document], chain: str, mac: Mac) -> None:
        self.entries, self.heads = database[ENTRIES], database[HEADS]
        self.chain, self.mac, self.lock = chain, mac, asyncio.Lock()
        self.head: Head | None = None

    async def append(self, fields: Mapping[str, Any]) -> None:
        async with self.lock:
            try:
                await self.write_next(fields)
            except DuplicateKeyError:  # another process wrote this chain too: continue after its entry
                self.head = None
                await self.write_next(fields)

    async def write_next(self, fields: Mapping[str, Any]) -> None:
        head = self.head or await self.stored_head()
        entry = linked(head, fields, self.mac)
        await self.entries.insert_one(entry)
        self.head = head_after(entry)
        await self.heads.replace_one({"_id": self.chain}, {"seq": self.head.seq, "hash": self.head.hash}, upsert=True)

    async def stored_head(self) -> Head:
        doc = await self.heads.find_one({"_id": self.chain})
        return Head(self.chain, doc["seq"], doc["hash"]) if doc else new_head(self.chain)

    async def find(self, query: AuditQuery) -> list[Document]:
        cursor = self.entries.find(query.mongo_filter()).sort("at", -1).limit(query.limit)
        return [doc async for doc in cursor]


class InMemoryAuditLog:
    def __init__(self, chain: str = "test-api/0", mac: Mac = lambda data: "unkeyed") -> None:
        self.chain, self.mac = chain, mac
        self.entries: list[Document] = []

    async def append(self, fields: Mapping[str, Any]) -> None:
        head = head_after(self.entries[-1]) if self.entries else new_head(self.chain)
        self.entries.append(linked(head, fields, self.mac))

    async def find(self, query: AuditQuery) -> list[Document]:
        found = [entry for entry in reversed(self.entries) if query.matches(entry)]
        return found[: query.limit]
