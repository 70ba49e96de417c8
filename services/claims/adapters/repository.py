"""The claims service's MongoDB database: claims (with outbox and history; one document per claim
version: the original `_id` = encounter key, replacements/voids `key~7~n` / `key~8~n`), `sources`
(each claim version's `claim-coded` event, by the same `_id`: kept apart because every lifecycle move
reads and rewrites the claim document, and the event is most of its size),
interchanges (by control number), `pcns` (patient control number → claim document, for 277CA
and 835 matching) and `billed_lines` (payer|patient|date|code → encounter, for duplicate edits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import DESCENDING, DeleteOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.claims.adapters.records import CLAIMS, WORKLIST, changes_document, source_document, step_document
from services.claims.domain.interchange import Interchange, Step
from services.claims.domain.lifecycle import ClaimStatus
from services.claims.domain.records import ClaimChanges, ClaimRecord, WorklistEntry
from shared.contracts.events import ClaimCoded
from shared.mongo import Document, bulk_write_safely, find_by_ids, insert_new, scans_compound_filters
from shared.outbox import OutboxStore, Records
from shared.phi.fields import opened_under, pseudonym, sealed_as


class MongoClaimStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.outbox = OutboxStore(db["claims"])  # lifecycle moves and new versions update its documents in place
        self.claims = Records(self.outbox, CLAIMS)
        self.interchanges = db["interchanges"]
        self.drops_pending = db["drops_pending"]  # tiny on purpose: scanned before every batch
        self.last_number: int | None = None
        self.pcns = db["pcns"]
        self.worklist_collection = db["worklist"]  # small: scanned by the worklist API
        self.billed_lines = db["billed_lines"]
        self.sources = db["sources"]

    async def ensure_indexes(self) -> None:
        await self.outbox.collection.create_index("status")
        await self.outbox.collection.create_index("patient_control_number")
        await self.text_interchange_ids()

    async def text_interchange_ids(self) -> None:
        """Interchanges stored with numeric ids (before they were text) get their text id: one scan at
        start-up, repeatable (copies first, first write wins; then the numeric ones go)."""
        for collection in (self.interchanges, self.drops_pending):
            numeric = await collection.find({"_id": {"$type": "number"}}).to_list(None)
            await insert_new(collection, [doc | {"_id": interchange_id(int(doc["_id"]))} for doc in numeric])
            if numeric:
                await collection.delete_many({"_id": {"$in": [doc["_id"] for doc in numeric]}})

    async def next_control_number(self) -> int:
        """ISA13 must never repeat, across restarts and concurrent workers too.

        A number is claimed by inserting the interchange's own document with it as `_id`: the
        unique key is the only atomic primitive FerretDB's SQLite backend guarantees (its
        findAndModify `$inc` handed out duplicates under concurrency in tests/integration)."""
        if self.last_number is None:  # one scan per process; FerretDB sorts by reading every row
            # Text sorts after numbers in BSON order, so the last is a stored text id if there is one
            # (and every text id is above the numeric ids of interchanges stored before them).
            last = await self.interchanges.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
            self.last_number = int(last["_id"]) if last else 0
        candidate = self.last_number + 1
        while True:
            try:
                await self.interchanges.insert_one({"_id": interchange_id(candidate), "dropped": False})
                self.last_number = candidate
                return candidate
            except DuplicateKeyError:  # another process (the claims API, a second worker) took it
                candidate += 1

    async def save_interchange(self, control_number: int, file_name: str, x12: str, claim_ids: list[str]) -> None:
        key = interchange_id(control_number)
        doc = {"file_name": file_name, "x12": sealed_as("x12", x12), "claim_ids": claim_ids}
        await self.interchanges.update_one({"_id": key}, {"$set": doc})
        await self.drops_pending.update_one({"_id": key}, {"$set": {"file_name": file_name}}, upsert=True)

    async def undropped_interchanges(self) -> list[Interchange]:
        pending = await self.drops_pending.find({}).to_list(None)
        found = await find_by_ids(self.interchanges, [doc["_id"] for doc in pending])
        return [interchange_from(doc) for doc in found.values()]

    async def mark_dropped(self, control_number: int) -> None:
        await self.interchanges.update_one({"_id": interchange_id(control_number)}, {"$set": {"dropped": True}})
        await self.drops_pending.delete_one({"_id": interchange_id(control_number)})

    async def interchange(self, control_number: int) -> Interchange | None:
        found = await self.interchanges.find_one({"_id": interchange_id(control_number)}, {"x12": 0})
        return interchange_from(found) if found else None

    async def note_interchange(self, control_number: int, step: Step) -> None:
        acknowledged = {"$push": {"acknowledgements": step}}
        await self.interchanges.update_one({"_id": interchange_id(control_number)}, acknowledged)

    async def billed(self, keys: Sequence[str]) -> dict[str, str]:
        keys_by_id = {billed_id(key): key for key in keys}
        found = await find_by_ids(self.billed_lines, list(keys_by_id))
        return {keys_by_id[doc_id]: doc["encounter"] for doc_id, doc in found.items()}

    async def remember(self, billed: dict[str, str], pcns: dict[str, str]) -> None:
        lines = [{"_id": billed_id(key), "encounter": value} for key, value in billed.items()]
        await insert_new(self.billed_lines, lines)
        await insert_new(self.pcns, [{"_id": pcn, "record": record} for pcn, record in pcns.items()])

    async def records_for_pcns(self, pcns: Sequence[str]) -> dict[str, str]:
        return {pcn: doc["record"] for pcn, doc in (await find_by_ids(self.pcns, pcns)).items()}

    async def records(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self.claims.many(ids)

    async def save_sources(self, sources: dict[str, ClaimCoded]) -> None:
        docs = [{"_id": key, "claim_coded": source_document(event)} for key, event in sources.items()]
        await insert_new(self.sources, docs)

    async def source(self, record_id: str) -> ClaimCoded | None:
        doc = await self.sources.find_one({"_id": record_id})
        if doc is None:  # a claim stored before sources were kept apart carries its event itself
            doc = await self.outbox.collection.find_one({"_id": record_id}, {"claim_coded": 1})
        found = doc.get("claim_coded") if doc else None
        return ClaimCoded.model_validate(found) if found is not None else None

    async def transition(
        self,
        record_id: str,
        expected: ClaimStatus | None,
        status: ClaimStatus | None,
        entry: Step,
        changes: ClaimChanges,
    ) -> bool:
        """Compare-and-set on the status the move was decided from (`expected`; None: a note that
        changes no status): False when another writer moved the claim first."""
        fields = changes_document(status, changes)
        update: dict[str, Any] = {"$push": {"history": step_document(entry)}} | ({"$set": fields} if fields else {})
        collection = self.outbox.collection
        if expected is None:
            return (await collection.update_one({"_id": record_id}, update)).matched_count == 1
        # On a server that would read every claim for a compound filter, and evaluate it outside the
        # write's transaction anyway (FerretDB 1.x), the compare is the caller's own read of the claim,
        # made under the claim's lock just before (Lifecycle.move): the write goes by `_id` alone.
        scans = await scans_compound_filters(collection.database)
        where = {"_id": record_id} | ({} if scans else {"status": expected.value})
        return (await collection.update_one(where, update)).matched_count == 1

    async def worklist(self, status: ClaimStatus, limit: int) -> list[WorklistEntry]:
        docs = [doc async for doc in self.worklist_collection.find({"status": status.value})]
        return [WORKLIST.record(doc) for doc in sorted(docs, key=lambda doc: doc["since"])[:limit]]

    async def enlist(self, entries: list[WorklistEntry]) -> None:
        """A claim rejected again after a correction replaces its entry: one write for the batch."""
        latest = {entry.key: entry for entry in entries}
        replacing = [ReplaceOne({"_id": key}, WORKLIST.document(entry), upsert=True) for key, entry in latest.items()]
        await bulk_write_safely(self.worklist_collection, replacing)

    async def delist(self, record_ids: Sequence[str]) -> None:
        deleting = [DeleteOne({"_id": record_id}) for record_id in dict.fromkeys(record_ids)]
        await bulk_write_safely(self.worklist_collection, deleting)

    async def add_version(self, key: str, record_id: str) -> None:
        await self.outbox.collection.update_one(
            {"_id": key}, {"$set": {"current": record_id}, "$push": {"versions": record_id}}
        )


def interchange_id(control_number: int) -> str:
    """ISA13 as the nine digits it is on the wire. Text, not a number: FerretDB looks documents up by
    `_id` through its index only when the `_id` is text or an ObjectId, and reads every document of
    the collection for any other (interchanges hold whole 837 files, and they pile up)."""
    return f"{control_number:09d}"


def interchange_from(doc: dict[str, Any]) -> Interchange:
    """An interchange document as the port's type; its file is opened only when it was read."""
    return Interchange(
        control_number=int(doc["_id"]),
        file_name=doc.get("file_name", ""),
        claim_ids=tuple(doc.get("claim_ids", [])),
        dropped=bool(doc.get("dropped")),
        acknowledgements=tuple(doc.get("acknowledgements", [])),
        x12=opened_under("x12", doc["x12"]) if "x12" in doc else None,
    )


def billed_id(line_key: str) -> str:
    """A billed line's document id: a keyed hash of payer, patient id, day and code (no patient id in
    an id); the duplicate check looks it up exactly as before."""
    return pseudonym(line_key, "billed_line")
