"""The ops service's MongoDB database: `trails`, one document per encounter (`_id` = correlation id)
with its facts as a list (fact ids can hold characters a field name cannot) and the summary fields the
ops API filters on, derived again at every write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.ops.domain.money import money_of
from services.ops.domain.trail import Coded, DeadLettered, Fact, Posted, Received, Submitted, Trail, Verified
from shared.mongo import Document, bulk_write_safely, find_by_ids

KINDS: dict[str, type[Fact]] = {
    kind.__name__: kind for kind in (Received, Verified, Coded, Submitted, Posted, DeadLettered)
}
TUPLES = {"codes", "denial_categories"}


def fact_doc(fact_id: str, fact: Fact) -> dict[str, Any]:
    doc = {"id": fact_id, "kind": type(fact).__name__, **asdict(fact)}
    if isinstance(fact, Posted):  # account → cents as a subdocument: FerretDB stores no nested arrays
        doc["accounts"] = dict(fact.accounts)
    return doc


def fact_of(doc: dict[str, Any]) -> tuple[str, Fact]:
    kind = KINDS[doc["kind"]]
    values = {f.name: doc[f.name] for f in fields(kind)}
    for name in TUPLES & values.keys():
        values[name] = tuple(values[name])
    if "accounts" in values:
        values["accounts"] = tuple(sorted(values["accounts"].items()))
    return doc["id"], kind(**values)  # dates come back aware: every client is tz_aware (shared.mongo)


def summary(trail: Trail) -> dict[str, Any]:
    """The stored document but its `_id`: the facts and the fields the ops API filters on."""
    received, money = trail.received, money_of(trail)
    first = trail.submissions[0] if trail.submissions else None
    return {
        "facts": [fact_doc(fact_id, fact) for fact_id, fact in sorted(trail.facts.items())],
        "stage": trail.stage,
        "state": trail.state,
        "waiting_for": trail.waiting_for,
        "payer_id": first.payer_id if first else (received.payer_id if received else None),
        "patient_id": received.patient_id if received else None,
        "visit_end": received.visit_end if received else None,
        "billed_cents": money.billed,
        "outstanding_cents": money.outstanding,
    }


def trail_of(doc: dict[str, Any]) -> Trail:
    return Trail(doc["_id"], dict(fact_of(item) for item in doc.get("facts", [])))


class MongoTrailStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db["trails"]

    async def ensure_indexes(self) -> None:
        for field in ("state", "payer_id", "patient_id", "visit_end"):  # the ops API's filters
            await self.collection.create_index(field)

    async def trails(self, correlation_ids: Sequence[str]) -> dict[str, Trail]:
        return {key: trail_of(doc) for key, doc in (await find_by_ids(self.collection, correlation_ids)).items()}

    async def save(self, trails: Sequence[Trail]) -> None:
        """Every field of the trail set at once (the document has no others). `$set` rather than a
        replacement: FerretDB answers a bulk of upserting replacements without `nModified`."""
        writes = [UpdateOne({"_id": trail.correlation_id}, {"$set": summary(trail)}, upsert=True) for trail in trails]
        await bulk_write_safely(self.collection, writes)
