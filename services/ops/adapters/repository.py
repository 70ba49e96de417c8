"""The ops service's MongoDB database, two documents per encounter (`_id` = correlation id): in
`trails` its facts as a list (fact ids can hold characters a field name cannot); in `encounters` the
summary the ops API reads and filters on, derived again at every write."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.ops.domain.money import Money
from services.ops.domain.summary import (
    Letter,
    Search,
    Summary,
    changed_since,
    is_outstanding,
    needs_attention,
    newest_visit_first,
    summarize,
)
from services.ops.domain.trail import STATES, Coded, DeadLettered, Fact, Posted, Received, Submitted, Trail, Verified
from shared.mongo import Document, bulk_write_safely, find_by_ids, insert_new, scans_compound_filters
from shared.phi.fields import opened_under, pseudonym, sealed_as

KINDS: dict[str, type[Fact]] = {
    kind.__name__: kind for kind in (Received, Verified, Coded, Submitted, Posted, DeadLettered)
}
TUPLES = {"codes", "denial_categories", "next_actions"}


def fact_doc(fact_id: str, fact: Fact) -> dict[str, Any]:
    doc = {"id": fact_id, "kind": type(fact).__name__, **asdict(fact)}
    if isinstance(fact, Received):
        doc["patient_id"] = sealed_as("patient_id", fact.patient_id)
    if isinstance(fact, Posted):  # account → cents as a subdocument: FerretDB stores no nested arrays
        doc["accounts"] = dict(fact.accounts)
    return doc


def fact_of(doc: dict[str, Any]) -> tuple[str, Fact]:
    kind = KINDS[doc["kind"]]
    values = {f.name: doc[f.name] for f in fields(kind) if f.name in doc}  # later fields have defaults
    if "patient_id" in values:
        values["patient_id"] = opened_under("patient_id", values["patient_id"])
    for name in TUPLES & values.keys():
        values[name] = tuple(values[name])
    if "accounts" in values:
        values["accounts"] = tuple(sorted(values["accounts"].items()))
    return doc["id"], kind(**values)  # dates come back aware: every client is tz_aware (shared.mongo)


def summary_doc(summary: Summary) -> dict[str, Any]:
    """The fields the ops API reads and filters on; `outstanding_cents` on top for the aging query."""
    doc = asdict(summary)
    del doc["key"]
    doc["denial_categories"] = list(summary.denial_categories)
    doc["next_actions"] = list(summary.next_actions)
    doc["outstanding_cents"] = summary.money.outstanding
    # the patient id is searched by its keyed hash and kept sealed beside it
    doc["patient_ref"] = pseudonym(summary.patient_id, "patient_id") if summary.patient_id else None
    doc["patient_id"] = sealed_as("patient_id", summary.patient_id)
    return doc


def summary_of(doc: dict[str, Any]) -> Summary:
    values: dict[str, Any] = {f.name: doc.get(f.name) for f in fields(Summary) if f.name != "key"}
    values["patient_id"] = opened_under("patient_id", values["patient_id"])
    values["money"] = Money(**doc["money"])
    values["letter"] = Letter(**doc["letter"]) if doc.get("letter") else None
    values["denial_categories"] = tuple(doc.get("denial_categories", ()))
    values["next_actions"] = tuple(doc.get("next_actions", ()))
    values["reached"] = dict(doc.get("reached") or {})
    return Summary(key=doc["_id"], **values)


def facts_doc(trail: Trail) -> dict[str, Any]:
    return {"facts": [fact_doc(fact_id, fact) for fact_id, fact in sorted(trail.facts.items())]}


def summary_fields(trail: Trail) -> dict[str, Any]:
    return summary_doc(summarize(trail))


def upsert(key: str, fields: dict[str, Any]) -> UpdateOne:
    return UpdateOne({"_id": key}, {"$set": fields}, upsert=True)


def trail_of(doc: dict[str, Any]) -> Trail:
    return Trail(doc["_id"], dict(fact_of(item) for item in doc.get("facts", [])))


ATTENTION: dict[str, Any] = {"$or": [{"state": {"$in": ["denied", "dead_lettered"]}}, {"underpaid": True}]}


def mongo_filter(search: Search) -> dict[str, Any]:
    found: dict[str, Any] = {}
    exact = (
        ("_id", search.key),
        ("patient_ref", pseudonym(search.patient_id, "patient_id") if search.patient_id else None),
        ("payer_id", search.payer_id),
        ("state", search.state),
    )
    for name, value in exact:
        if value is not None:
            found[name] = value
    period = {op: at for op, at in (("$gte", search.visit_from), ("$lt", search.visit_to)) if at is not None}
    if period:
        found["visit_end"] = period
    return found


# Documents per round trip of a full reading: FerretDB answers each `getMore` slowly (about 0.2 s
# under load, measured by `make bench`), and in batches of 101 by default.
SCAN_BATCH = 20_000


class MongoTrailStore:
    """`trails`: each encounter's facts, read and rewritten by `_id` only. `encounters`: its summary,
    small and flat, which every query of the ops API reads, so that none reads the facts.

    On MongoDB each query of the API is answered from its index. A server that reads every row for
    any filter but `_id` (FerretDB, the local stand-in) is asked once for every summary, and the
    queries of the next few seconds (a dashboard's refresh asks five at once) filter that reading."""

    def __init__(self, db: AsyncDatabase[Document], scan_once: bool | None = None, reuse_seconds: float = 5.0) -> None:
        self.trails_collection = db["trails"]
        self.collection = db["encounters"]
        self.scan_once, self.reuse_seconds = scan_once, reuse_seconds
        self.scanned: tuple[float, list[Summary]] | None = None
        self.scanning = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        """The API's filters, indexed where the server uses indexes: on a server that scans anyway
        (FerretDB) each index would only make every write of a summary dearer."""
        if await self.scans():
            return
        for field in ("state", "payer_id", "patient_ref", "visit_end", "outstanding_cents", "last_at"):
            await self.collection.create_index(field)

    async def scans(self) -> bool:
        if self.scan_once is None:
            self.scan_once = await scans_compound_filters(self.collection.database)
        return self.scan_once

    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        found = await find_by_ids(self.trails_collection, correlation_ids)
        return {key: trail_of(doc) for key, doc in found.items()}

    async def save(self, trails: Sequence[Trail]) -> None:
        """The summaries, then the facts they come from: after a crash between the two the stored facts
        lack the batch's, so the batch read again changes the trails and writes both again. `$set`
        rather than a replacement: FerretDB answers a bulk of upserting replacements without
        `nModified`."""
        await bulk_write_safely(self.collection, [upsert(t.correlation_id, summary_fields(t)) for t in trails])
        await bulk_write_safely(self.trails_collection, [upsert(t.correlation_id, facts_doc(t)) for t in trails])

    async def create(self, trails: Sequence[Trail]) -> None:
        """Inserted, which on FerretDB costs a fraction of an upsert; one already there (a crash between
        the summary's write and the facts') is set as `save` would."""
        for collection, doc in ((self.collection, summary_fields), (self.trails_collection, facts_doc)):
            inserted = await insert_new(collection, [{"_id": t.correlation_id, **doc(t)} for t in trails])
            there = [upsert(t.correlation_id, doc(t)) for t in trails if t.correlation_id not in inserted]
            await bulk_write_safely(collection, there)

    async def keys(self) -> set[str]:
        """Every stored trail's key (read once as a worker starts: see RememberedTrails)."""
        return {doc["_id"] async for doc in self.trails_collection.find({}, {"_id": 1})}

    async def trail(self, key: str) -> Trail | None:
        doc = await self.trails_collection.find_one({"_id": key})
        return trail_of(doc) if doc else None

    async def every_summary_if_scanning(self) -> list[Summary] | None:
        if not await self.scans():
            return None
        async with self.scanning:
            if self.scanned is None or time.monotonic() - self.scanned[0] > self.reuse_seconds:
                cursor = self.collection.find({}).batch_size(SCAN_BATCH)
                self.scanned = (time.monotonic(), [summary_of(doc) async for doc in cursor])
            return self.scanned[1]

    async def found(self, query: dict[str, Any], keep: Callable[[Summary], bool]) -> list[Summary]:
        every = await self.every_summary_if_scanning()
        if every is not None:
            return [s for s in every if keep(s)]
        return [summary_of(doc) async for doc in self.collection.find(query)]

    async def search(self, search: Search, skip: int, limit: int) -> tuple[list[Summary], int]:
        """One page, newest visit first, and how many match in all."""
        every = await self.every_summary_if_scanning()
        if every is not None:
            chosen = newest_visit_first([s for s in every if search.matches(s)])
            return chosen[skip : skip + limit], len(chosen)
        query = mongo_filter(search)
        cursor = self.collection.find(query).sort([("visit_end", -1), ("_id", 1)]).skip(skip).limit(limit)
        return [summary_of(doc) async for doc in cursor], await self.collection.count_documents(query)

    async def summaries(self, search: Search) -> list[Summary]:
        return await self.found(mongo_filter(search), search.matches)

    async def outstanding(self) -> list[Summary]:
        """Claims with insurance A/R still open: what aging reads (it shrinks as payers pay)."""
        return await self.found({"outstanding_cents": {"$gt": 0}}, is_outstanding)

    async def needing_attention(self) -> list[Summary]:
        return await self.found(ATTENTION, needs_attention)

    async def changed_since(self, moment: datetime) -> list[Summary]:
        return await self.found({"last_at": {"$gte": moment}}, changed_since(moment))

    async def state_counts(self) -> dict[str, int]:
        """On MongoDB, each state counted from the `state` index."""
        every = await self.every_summary_if_scanning()
        if every is not None:
            return dict(Counter(s.state for s in every))
        counts = {state: await self.collection.count_documents({"state": state}) for state in STATES}
        return {state: n for state, n in counts.items() if n}
