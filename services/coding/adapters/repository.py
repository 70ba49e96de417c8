"""Coding's storage, the same over MongoDB and in memory: `coded_encounters` (one record per
encounter, first write wins, with the events it announced), `recodings` (a later coding of an
encounter held only for its coverage, one outbox record per verification it was coded from),
`resolutions` (a coder's resolution of a hold, one per encounter, first write wins, so a retried
resolution re-publishes instead of coding twice) and `held`, the coders' worklist: one small entry
per held record, because FerretDB only pushes `_id` lookups down to SQLite and a status query would
read every record."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.coding.adapters.documents import CODING, RESOLUTIONS, held_document, held_from
from services.coding.domain.held import HeldEncounter, worklist_view
from services.coding.domain.records import CodingRecord, CodingStatus, ResolutionRecord
from shared.messaging import Publisher
from shared.mongo import Document, find_by_ids, insert_new
from shared.outbox import Outbox, OutboxStore, Recorded, Records

RECORDS, RECODINGS, RESOLUTIONS_COLLECTION, HELD = "coded_encounters", "recodings", "resolutions", "held"


class HeldList(ABC):
    """The coders' worklist as a backend keeps it."""

    @abstractmethod
    async def add(self, entries: Sequence[HeldEncounter]) -> None:
        """First write wins, like the records they summarize."""

    @abstractmethod
    async def remove(self, keys: Sequence[str]) -> None: ...

    @abstractmethod
    async def entries(self) -> list[HeldEncounter]: ...

    @abstractmethod
    async def entry(self, key: str) -> HeldEncounter | None: ...


class CodingStorage:
    """Both ports (the worker's `CodingStore`, the ops API's `HoldStore`) over three outbox backends
    and a worklist, so the Mongo and in-memory stores share every rule of what is written when."""

    def __init__(self, records: Outbox, recodings: Outbox, resolutions: Outbox, held: HeldList) -> None:
        self.coded = Records(records, CODING)
        self.recodings = Records(recodings, CODING)
        self.resolutions = Records(resolutions, RESOLUTIONS)
        self.held_list = held

    async def save_and_publish(self, entries: Sequence[Recorded[CodingRecord]], publisher: Publisher) -> set[str]:
        # The worklist first: a crash before the record leaves an entry the redelivery would write anyway.
        await self.held_list.add([HeldEncounter.of(e.key, e.record) for e in entries if is_held(e.record)])
        return await self.coded.save_and_publish(entries, publisher)

    async def records(self, keys: Sequence[str]) -> dict[str, CodingRecord]:
        return await self.coded.many(keys)

    async def recode(self, entries: Sequence[Recorded[CodingRecord]], publisher: Publisher) -> None:
        """The recoding record is the commit point: a crash before the records are amended is finished
        by the redelivery (the insert is a no-op, an unmarked event is re-sent, the amend repeated)."""
        recodings = [Recorded(recoding_key(e), e.record, e.events) for e in entries]
        await self.recodings.save_and_publish(recodings, publisher)
        await self.held_list.remove([e.key for e in entries])
        await self.held_list.add([HeldEncounter.of(e.key, e.record) for e in entries if is_held(e.record)])
        for entry, recoding in zip(entries, recodings, strict=True):  # rare: a late answer for a coverage hold
            await self.coded.amend(entry.key, entry.record.announced_by(recoding.key))

    async def held(self, reason: str | None, limit: int, newest_first: bool = False) -> list[HeldEncounter]:
        return worklist_view(await self.held_list.entries(), reason, limit, newest_first)

    async def held_one(self, key: str) -> HeldEncounter | None:
        return await self.held_list.entry(key)

    async def record(self, key: str) -> CodingRecord | None:
        return await self.coded.get(key)

    async def resolution(self, key: str) -> ResolutionRecord | None:
        return await self.resolutions.get(key)

    async def save_resolution(self, entry: Recorded[ResolutionRecord], publisher: Publisher) -> bool:
        return bool(await self.resolutions.save_and_publish([entry], publisher))

    async def republish_resolution(self, key: str, publisher: Publisher) -> None:
        await self.resolutions.publish_pending([key], publisher)

    async def mark_resolved(self, key: str, record: CodingRecord) -> None:
        await self.coded.amend(key, record)
        await self.held_list.remove([key])


def recoding_key(entry: Recorded[CodingRecord]) -> str:
    return f"{entry.key}|{entry.record.event_id}"


def is_held(record: CodingRecord) -> bool:
    return record.status == CodingStatus.HELD


class MongoHeldList(HeldList):
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def add(self, entries: Sequence[HeldEncounter]) -> None:
        await insert_new(self.collection, [held_document(entry) for entry in entries])

    async def remove(self, keys: Sequence[str]) -> None:
        for key in keys:  # by `_id`, the only filter FerretDB does not answer by reading every entry
            await self.collection.delete_one({"_id": key})

    async def entries(self) -> list[HeldEncounter]:
        return [held_from(doc) async for doc in self.collection.find({})]

    async def entry(self, key: str) -> HeldEncounter | None:
        found = await find_by_ids(self.collection, [key])
        return held_from(found[key]) if key in found else None


class MongoCodingStore(CodingStorage):
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.collection = database[RECORDS]
        super().__init__(
            OutboxStore(self.collection),
            OutboxStore(database[RECODINGS]),
            OutboxStore(database[RESOLUTIONS_COLLECTION]),
            MongoHeldList(database[HELD]),
        )

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("status")
