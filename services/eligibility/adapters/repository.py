"""The eligibility service's MongoDB database, and the storage rules the in-memory store shares.

`encounters`: one record per encounter (`_id` = key) with the `coverage-verified` event it caused
(outbox, published markers in `encounters_published`), the verifications it replaced (`history`) or
that came after it was decided (`evidence`) and, once a waiting encounter is resolved, the change
applied and a pointer to the resolution that announces it (`resolution`). Records resolved before
resolutions were outbox records hold that event in `resolution_outbox` instead, with no marker: read,
never written.
`resolutions`: one outbox record per resolution of a waiting step (`_id` = key|verification_id of
the waiting verification, first write wins: of a re-drive and a phone call exactly one claims it),
holding the change and its `coverage-verified` event; markers in `resolutions_published`.
`verifications`: one document per coverage (`_id` = a keyed hash of payer|member|plan year): the
latest verification, which later encounters reuse, and every verification with its raw 270/271 as
history.
`waiting`: a small collection of encounters waiting for a payer or a person, scanned by the re-drive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.eligibility.adapters.documents import (
    ENCOUNTERS,
    LEGACY_RESOLUTION_OUTBOX,
    RESOLUTIONS,
    applied,
    applied_as_stored,
    coverage_fields,
    coverage_id,
    coverage_record,
    exchange_document,
    latest_of,
    legacy_resolution_events,
    resolution_id,
    verification_document,
    waiting_document,
    waiting_from,
)
from services.eligibility.domain.records import CoverageRecord, EncounterRecord, Resolution, SavedVerification
from services.eligibility.domain.status import Waiting
from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.mongo import Document, bulk_write_safely, find_by_ids, insert_new
from shared.outbox import Outbox, OutboxStore, Recorded, Records


@dataclass(frozen=True)
class Update:
    """Fields set and items appended on one document, found by `_id`."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    appended: dict[str, Any] = field(default_factory=dict)


class Documents(ABC):
    """A backend's documents by `_id`, for what is not an outbox record's insert."""

    @abstractmethod
    async def find(self, ids: Sequence[str], fields: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """The documents among `ids`: only `_id` and `fields` when fields are named."""

    @abstractmethod
    async def update(self, updates: Sequence[Update], upsert: bool = False) -> None:
        """Apply every update, in bulk."""


class EligibilityStorage:
    """Encounter records, their resolutions and the coverages' verifications over a backend's outboxes
    and documents, so the Mongo and in-memory stores share every rule of what is written when."""

    def __init__(
        self, encounters: Outbox, encounter_docs: Documents, resolutions: Outbox, coverages: Documents
    ) -> None:
        self.encounters = Records(encounters, ENCOUNTERS)
        self.encounter_docs = encounter_docs
        self.resolutions = Records(resolutions, RESOLUTIONS)
        self.coverages = coverages

    async def known(self, keys: Sequence[str]) -> set[str]:
        return await self.encounters.known(keys)

    async def records(self, keys: Sequence[str]) -> dict[str, EncounterRecord]:
        return await self.encounters.many(keys)

    async def save_and_publish(
        self, entries: Sequence[Recorded[EncounterRecord]], redelivered: Sequence[str], publisher: Publisher
    ) -> set[str]:
        """Insert new encounters' records and publish their events, and re-send whatever redelivered
        encounters' records never got out, in one batch. Returns the keys that were new."""
        return await self.encounters.save_and_publish(entries, publisher, redelivered)

    async def resolve_and_publish(self, resolutions: Sequence[Recorded[Resolution]], publisher: Publisher) -> set[str]:
        """Compare-and-set from a waiting status: of a re-drive and a phone call, exactly one wins; the
        winners' events are published in one batch, then marked. Returns the winners' keys.

        The claim on the waiting step is a unique insert of the resolution carrying the winner's whole
        change (FerretDB has no conditional update that is not a full-table scan). A winner that
        crashed before applying it is completed by the next attempt, which applies the stored winner's
        change; the re-drive then sends its event if the broker never acknowledged it."""
        current = await self.records([entry.key for entry in resolutions])
        claims = {
            entry.key: replace(entry, key=resolution_id(entry.key, record.verification))
            for entry in resolutions
            if (record := current.get(entry.key)) is not None and record.waiting
        }
        won = await self.resolutions.save(list(claims.values()))
        winners = {key: claim for key, claim in claims.items() if claim.key in won}
        lost = {key: claim.key for key, claim in claims.items() if key not in winners}
        changes = [winning(current[key], claim) for key, claim in winners.items()]
        await self.encounter_docs.update(changes + await self.completing(lost, current))
        await self.resolutions.publish(list(winners.values()), publisher)
        return set(winners)

    async def completing(self, lost: dict[str, str], current: dict[str, EncounterRecord]) -> list[Update]:
        """The stored winners' changes of the encounters whose claim was lost (resolution ids by key),
        written whole as the winner writes them (see `winning`)."""
        stored = await self.resolutions.outbox.documents(list(lost.values()))
        if missing := sorted(set(lost.values()) - set(stored)):  # each insert lost to one of these
            raise RuntimeError(f"resolutions {missing} were claimed but cannot be read back")
        return [
            Update(key, applied_as_stored(claim, stored[claim]) | history_after(current[key]))
            for key, claim in lost.items()
        ]

    async def publish_pending_resolutions(self, records: Sequence[EncounterRecord], publisher: Publisher) -> None:
        """Send the events of these records' resolutions that the broker never acknowledged."""
        await self.resolutions.publish_pending([r.resolution for r in records if r.resolution], publisher)
        legacy = await self.legacy_events([record.key for record in records if record.resolution is None])
        if legacy:  # kept without a published marker: sent again each time, as they always were
            await publisher.publish([message for events in legacy.values() for message in events])

    async def stored_events(self, records: Sequence[EncounterRecord]) -> dict[str, list[Outgoing]]:
        """Every event these records announced, published or not (for a forced re-send): each
        encounter's first verification, then its resolution's, in that order."""
        keys = [record.key for record in records]
        first = await self.encounters.events(keys)
        key_of = {record.resolution: record.key for record in records if record.resolution}
        later = {key_of[rid]: events for rid, events in (await self.resolutions.events(list(key_of))).items()}
        later |= await self.legacy_events([record.key for record in records if record.resolution is None])
        return {key: first.get(key, []) + later.get(key, []) for key in keys}

    async def legacy_events(self, keys: Sequence[str]) -> dict[str, list[Outgoing]]:
        docs = await self.encounter_docs.find(keys, [LEGACY_RESOLUTION_OUTBOX])
        return {key: events for key, doc in docs.items() if (events := legacy_resolution_events(doc))}

    async def add_evidence(self, key: str, verification: Verification) -> None:
        await self.encounter_docs.update([Update(key, appended={"evidence": verification_document(verification)})])

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        keys_by_id = {coverage_id(key): key for key in coverage_keys}
        docs = await self.coverages.find(sorted(keys_by_id), ["latest"])
        return {keys_by_id[doc_id]: latest_of(doc) for doc_id, doc in docs.items()}

    async def save_verifications(self, saved: Sequence[SavedVerification]) -> None:
        await self.coverages.update([coverage_update(s) for s in saved], upsert=True)

    async def coverage(self, coverage_key: str) -> CoverageRecord | None:
        found = await self.coverages.find([coverage_id(coverage_key)])
        return next((coverage_record(doc) for doc in found.values()), None)


def winning(record: EncounterRecord, claim: Recorded[Resolution]) -> Update:
    """A winner's change, keeping the verification it replaces in the record's history.

    Set whole, not pushed: the winner and a racing loser both read the record while it waited, so they
    write the same document, and on a server that rewrites a document from the snapshot it read
    (FerretDB 1.x) the later write cannot drop what the earlier one added."""
    return Update(record.key, applied(claim.key, claim.record) | history_after(record))


def history_after(waiting: EncounterRecord) -> dict[str, Any]:
    return {"history": [verification_document(step) for step in (*waiting.history, waiting.verification)]}


def coverage_update(saved: SavedVerification) -> Update:
    return Update(
        coverage_id(saved.coverage.key), coverage_fields(saved), {"history": exchange_document(saved.exchange)}
    )


class MongoDocuments(Documents):
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def find(self, ids: Sequence[str], fields: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        projection = dict.fromkeys(fields, 1) if fields else None
        return {str(key): doc for key, doc in (await find_by_ids(self.collection, ids, projection)).items()}

    async def update(self, updates: Sequence[Update], upsert: bool = False) -> None:
        operations = [UpdateOne({"_id": u.key}, operators(u), upsert=upsert) for u in updates]
        await bulk_write_safely(self.collection, operations)


def operators(update: Update) -> dict[str, Any]:
    return ({"$set": update.fields} if update.fields else {}) | ({"$push": update.appended} if update.appended else {})


class MongoEligibilityRepository(EligibilityStorage):
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.encounter_collection = db["encounters"]
        super().__init__(
            OutboxStore(self.encounter_collection),
            MongoDocuments(self.encounter_collection),
            OutboxStore(db["resolutions"]),
            MongoDocuments(db["verifications"]),
        )
        self.waiting_collection = db["waiting"]

    async def ensure_indexes(self) -> None:
        await self.encounter_collection.create_index("status")

    async def save_waiting(self, entries: list[Waiting]) -> None:
        await insert_new(self.waiting_collection, [waiting_document(entry) for entry in entries])

    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]:
        docs = [doc async for doc in self.waiting_collection.find({} if kind is None else {"kind": kind})]
        return sorted((waiting_from(doc) for doc in docs), key=lambda entry: entry.since)[:limit]

    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]:
        entries = await self.waiting("payer", 100_000)
        return sorted((e for e in entries if e.next_at <= now), key=lambda e: e.next_at)[:limit]

    async def clear_waiting(self, keys: Sequence[str]) -> None:
        if keys:  # one command: `waiting` holds only open work, so even a server that scans for `$in` reads little
            await self.waiting_collection.delete_many({"_id": {"$in": list(keys)}})

    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None:
        update = {"$set": {"rounds": rounds, "attempts": attempts, "next_at": next_at, "reason": error}}
        await self.waiting_collection.update_one({"_id": key}, update)
