"""The transactional-outbox pattern on one MongoDB document (no multi-document transactions).

A record and the events it causes are written in one document insert: `outbox` holds those
events, and the `_id` is the event key (first write wins), which makes the effect exactly-once.
Once the broker has acknowledged a batch's events, an insert-only marker `{_id: record id}` goes
into the companion collection `<collection>_published`. A redelivered record re-sends its stored
events only if it has no marker: a crash between the publish and the marker costs one harmless
re-send (every consumer is idempotent by key), a crash before the publish loses nothing. Offsets
are committed only after this returns, so no effect is lost and none is applied twice.

Records are never updated to say they were published: on FerretDB's SQLite backend each matched
update costs milliseconds while a batch insert costs microseconds per document, and the stored
outbox doubles as the record of what this step announced.

This is the only way an event leaves a service. A later announcement about the same thing (a late
payer answer, an encounter coded again, a claim corrected) is a new record of its own, keyed by what
caused it, never a rewrite of an earlier record's events. Use cases hand their stores typed records
(`Recorded`); each store's `Codec` turns them into documents, sealing what must not be read at rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection

from shared.messaging import Outgoing, Publisher
from shared.mongo import Document, find_by_ids, insert_new

Record = tuple[dict[str, Any], Sequence[Outgoing]]  # a document and its events: inside adapters only
PUBLISHED_SUFFIX = "_published"
R = TypeVar("R")


def stored(doc: dict[str, Any], outbox: Sequence[Outgoing]) -> dict[str, Any]:
    return {**doc, "outbox": [message.model_dump() for message in outbox]}


def first_of_each(records: Sequence[Record]) -> list[Record]:
    """One record per `_id`, the first: that is the one an insert keeps."""
    by_id: dict[Any, Record] = {}
    for record in records:
        by_id.setdefault(record[0]["_id"], record)
    return list(by_id.values())


class Outbox(ABC):
    """What to publish and when, over a backend's primitives (so every backend behaves alike)."""

    @abstractmethod
    async def known(self, keys: Sequence[str]) -> set[str]: ...

    @abstractmethod
    async def documents(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored records among `ids`, without their outbox."""

    @abstractmethod
    async def save(self, records: Sequence[Record]) -> set[str]:
        """Insert the records whose `_id` is new; return those ids."""

    @abstractmethod
    async def marked(self, ids: Sequence[str]) -> set[str]:
        """The ids whose events the broker has acknowledged."""

    @abstractmethod
    async def outboxes(self, ids: Sequence[str]) -> dict[str, list[Outgoing]]:
        """The stored events of the records that exist."""

    @abstractmethod
    async def mark_published(self, ids: Sequence[str]) -> None: ...

    @abstractmethod
    async def amend(self, key: str, fields: dict[str, Any]) -> None:
        """Set fields of a stored record (its status, a pointer): never its events."""

    async def save_and_publish(
        self, records: Sequence[Record], publisher: Publisher, redelivered: Sequence[str] = ()
    ) -> set[str]:
        """Insert new records and publish their events; re-send the stored events of redelivered
        records (those that were not new, and the keys in `redelivered`, for which the caller built
        no record) that were never marked published. Returns the ids that were new."""
        inserted = await self.save(records)
        fresh = [record for record in first_of_each(records) if record[0]["_id"] in inserted]
        again = [doc["_id"] for doc, _ in records if doc["_id"] not in inserted] + list(redelivered)
        await self.publish_and_mark(fresh + await self.pending(again), publisher)
        return inserted

    async def pending(self, ids: Sequence[str]) -> list[Record]:
        """Records among `ids` whose stored events may not have reached the broker."""
        unique = list(dict.fromkeys(ids))
        marked = await self.marked(unique)
        outboxes = await self.outboxes([key for key in unique if key not in marked])
        return [({"_id": key}, outbox) for key, outbox in outboxes.items() if outbox]

    async def publish_and_mark(self, records: Sequence[Record], publisher: Publisher) -> None:
        """Publish the records' events, wait for the broker, then mark those records published."""
        with_events = [(doc, outbox) for doc, outbox in records if outbox]
        if not with_events:
            return
        await publisher.publish([message for _, outbox in with_events for message in outbox])
        await self.mark_published([doc["_id"] for doc, _ in with_events])


class OutboxStore(Outbox):
    """One collection of records keyed by the event key, each carrying the events it caused."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection
        self.published = collection.database[collection.name + PUBLISHED_SUFFIX]

    async def known(self, keys: Sequence[str]) -> set[str]:
        return set(await find_by_ids(self.collection, keys, {"_id": 1}))

    async def save(self, records: Sequence[Record]) -> set[str]:
        inserted = await insert_new(self.collection, [stored(doc, outbox) for doc, outbox in records])
        return {str(record_id) for record_id in inserted}

    async def marked(self, ids: Sequence[str]) -> set[str]:
        return {str(key) for key in await find_by_ids(self.published, ids, {"_id": 1})}

    async def outboxes(self, ids: Sequence[str]) -> dict[str, list[Outgoing]]:
        docs = await find_by_ids(self.collection, ids, {"outbox": 1})
        return {str(key): [Outgoing(**message) for message in doc.get("outbox", [])] for key, doc in docs.items()}

    async def mark_published(self, ids: Sequence[str]) -> None:
        await insert_new(self.published, [{"_id": key} for key in dict.fromkeys(ids)])

    async def documents(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {str(key): doc for key, doc in (await find_by_ids(self.collection, ids, {"outbox": 0})).items()}

    async def amend(self, key: str, fields: dict[str, Any]) -> None:
        await self.collection.update_one({"_id": key}, {"$set": fields})


class InMemoryOutboxStore(Outbox):
    """The same behaviour in memory, for unit tests."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.published: set[str] = set()

    async def known(self, keys: Sequence[str]) -> set[str]:
        return {key for key in keys if key in self.docs}

    async def save(self, records: Sequence[Record]) -> set[str]:
        inserted = {doc["_id"] for doc, _ in records if doc["_id"] not in self.docs}
        for doc, outbox in records:
            self.docs.setdefault(doc["_id"], {**doc, "outbox": list(outbox)})
        return inserted

    async def marked(self, ids: Sequence[str]) -> set[str]:
        return {key for key in ids if key in self.published}

    async def outboxes(self, ids: Sequence[str]) -> dict[str, list[Outgoing]]:
        return {key: list(self.docs[key]["outbox"]) for key in ids if key in self.docs}

    async def mark_published(self, ids: Sequence[str]) -> None:
        self.published.update(ids)

    async def documents(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {key: self.docs[key] for key in ids if key in self.docs}
        return {key: {k: v for k, v in doc.items() if k != "outbox"} for key, doc in found.items()}

    async def amend(self, key: str, fields: dict[str, Any]) -> None:
        if key in self.docs:
            self.docs[key] |= fields


@dataclass(frozen=True)
class Recorded(Generic[R]):
    """A record a use case hands to its store, keyed by the event key, with the events it announces."""

    key: str
    record: R
    events: tuple[Outgoing, ...] = ()


@dataclass(frozen=True)
class Codec(Generic[R]):
    """How one kind of record is kept: its document (without `_id`; PHI sealed) and back again."""

    document: Callable[[R], dict[str, Any]]
    record: Callable[[dict[str, Any]], R]


class Records(Generic[R]):
    """Typed records over an outbox backend (MongoDB or in memory): what a store port exposes, so no
    use case builds, reads or seals a document."""

    def __init__(self, outbox: Outbox, codec: Codec[R]) -> None:
        self.outbox, self.codec = outbox, codec

    async def known(self, keys: Sequence[str]) -> set[str]:
        return await self.outbox.known(keys)

    async def get(self, key: str) -> R | None:
        return (await self.many([key])).get(key)

    async def many(self, keys: Sequence[str]) -> dict[str, R]:
        return {key: self.codec.record(doc) for key, doc in (await self.outbox.documents(keys)).items()}

    async def save(self, entries: Sequence[Recorded[R]]) -> set[str]:
        """Insert the entries whose key is new (first write wins), announcing nothing yet."""
        return await self.outbox.save(self.stored(entries))

    async def save_and_publish(
        self, entries: Sequence[Recorded[R]], publisher: Publisher, redelivered: Sequence[str] = ()
    ) -> set[str]:
        return await self.outbox.save_and_publish(self.stored(entries), publisher, redelivered)

    async def publish(self, entries: Sequence[Recorded[R]], publisher: Publisher) -> None:
        """Announce saved entries' events now (after an effect that had to come first)."""
        await self.outbox.publish_and_mark([({"_id": entry.key}, entry.events) for entry in entries], publisher)

    async def publish_pending(self, keys: Sequence[str], publisher: Publisher) -> None:
        """Re-send the stored events of records among `keys` that were never marked published."""
        await self.outbox.publish_and_mark(await self.outbox.pending(keys), publisher)

    async def amend(self, key: str, record: R) -> None:
        """Store a stored record's new state (the events it caused stay as they were)."""
        await self.outbox.amend(key, self.codec.document(record))

    async def events(self, keys: Sequence[str]) -> dict[str, list[Outgoing]]:
        """Every stored event of these records, published or not (for a forced re-send)."""
        return await self.outbox.outboxes(keys)

    def stored(self, entries: Sequence[Recorded[R]]) -> list[Record]:
        return [({"_id": entry.key, **self.codec.document(entry.record)}, entry.events) for entry in entries]
