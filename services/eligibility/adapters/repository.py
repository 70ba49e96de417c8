"""The eligibility service's MongoDB database.

`encounters`: one record per encounter (`_id` = key) with the events it caused (outbox) and, once
a waiting encounter is resolved, the resolution's event (`resolution_outbox`) and earlier steps.
`verifications`: one document per coverage (`_id` = payer|member|plan year): the latest
verification, which later encounters reuse, and every verification with its raw 270/271 as history.
`waiting`: a small collection of encounters waiting for a payer or a person, scanned by the re-drive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.eligibility.domain.status import WAITING, Waiting
from services.eligibility.handlers.ports import SavedVerification
from shared.contracts.events import Verification
from shared.messaging import Outgoing, Publisher
from shared.mongo import Document, bulk_write_safely, find_by_ids, insert_new
from shared.outbox import OutboxStore, Record
from shared.phi.fields import pseudonym, sealed_as


class MongoEligibilityRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.encounters = OutboxStore(db["encounters"])
        self.verifications = db["verifications"]
        self.waiting_collection = db["waiting"]
        self.resolutions = db["resolutions"]

    async def ensure_indexes(self) -> None:
        await self.encounters.collection.create_index("status")

    async def known(self, keys: Sequence[str]) -> set[str]:
        return await self.encounters.known(keys)

    async def latest_verifications(self, coverage_keys: set[str]) -> dict[str, Verification]:
        keys_by_id = {coverage_id(key): key for key in coverage_keys}
        docs = await find_by_ids(self.verifications, sorted(keys_by_id), {"latest": 1})
        return {keys_by_id[doc_id]: Verification.model_validate(doc["latest"]) for doc_id, doc in docs.items()}

    async def save_verifications(self, saved: list[SavedVerification]) -> None:
        await bulk_write_safely(self.verifications, [verification_upsert(s) for s in saved])

    async def save_and_publish(self, records: list[Record], publisher: Publisher) -> set[str]:
        return await self.encounters.save_and_publish(records, publisher)

    async def save_waiting(self, entries: list[Waiting]) -> None:
        await insert_new(self.waiting_collection, [waiting_document(entry) for entry in entries])

    async def waiting(self, kind: str | None, limit: int) -> list[Waiting]:
        docs = [doc async for doc in self.waiting_collection.find({} if kind is None else {"kind": kind})]
        return sorted((waiting_from(doc) for doc in docs), key=lambda entry: entry.since)[:limit]

    async def waiting_due(self, now: datetime, limit: int) -> list[Waiting]:
        entries = await self.waiting("payer", 100_000)
        return sorted((e for e in entries if e.next_at <= now), key=lambda e: e.next_at)[:limit]

    async def records(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await find_by_ids(self.encounters.collection, keys, {"outbox": 0})

    async def resolve(self, key: str, status: str, verification: Verification, outbox: list[Outgoing]) -> bool:
        """Compare-and-set from a waiting status: of a re-drive and a phone call, exactly one wins.

        The claim on the waiting step is a unique insert carrying the winner's whole change (FerretDB
        has no conditional update that is not a full-table scan). A winner that crashed before
        applying it is completed by the next attempt; the re-drive then publishes its stored event."""
        current = await self.encounters.collection.find_one({"_id": key}, {"status": 1, "verification": 1})
        if current is None or current["status"] not in WAITING:
            return False
        change = {
            "status": status,
            "verification": verification.model_dump(mode="json"),
            "resolution_outbox": [message.model_dump() for message in outbox],
        }
        claim_id = f"{key}|{current['verification']['verification_id']}"
        won = bool(await insert_new(self.resolutions, [{"_id": claim_id, "change": change}]))
        if not won:
            winner = await self.resolutions.find_one({"_id": claim_id})
            if winner is None:  # the insert lost to this document, so it cannot be missing
                raise RuntimeError(f"resolution {claim_id} was claimed but cannot be read back")
            change = winner["change"]
        update = {"$set": change} | ({"$push": {"history": current["verification"]}} if won else {})
        await self.encounters.collection.update_one({"_id": key}, update)
        return won

    async def clear_waiting(self, keys: Sequence[str]) -> None:
        if keys:  # one command: `waiting` holds only open work, so even a server that scans for `$in` reads little
            await self.waiting_collection.delete_many({"_id": {"$in": list(keys)}})

    async def reschedule(self, key: str, rounds: int, attempts: int, next_at: datetime, error: str) -> None:
        update = {"$set": {"rounds": rounds, "attempts": attempts, "next_at": next_at, "reason": error}}
        await self.waiting_collection.update_one({"_id": key}, update)

    async def add_evidence(self, key: str, verification: Verification) -> None:
        await self.encounters.collection.update_one(
            {"_id": key}, {"$push": {"evidence": verification.model_dump(mode="json")}}
        )

    async def coverage(self, coverage_key: str) -> dict[str, Any] | None:
        return await self.verifications.find_one({"_id": coverage_id(coverage_key)})


def coverage_id(coverage_key: str) -> str:
    """A coverage's document id: a keyed hash of payer, member id and plan year (no member id in an id)."""
    return pseudonym(coverage_key, "coverage")


def verification_upsert(saved: SavedVerification) -> UpdateOne:
    stored = saved.verification.model_dump(mode="json")
    coverage = saved.coverage
    identity = {"payer_id": coverage.payer_id, "plan_year": coverage.plan_year}
    exchange = {
        "inquiry_x12": sealed_as("inquiry_x12", saved.inquiry_x12),
        "response_x12": sealed_as("response_x12", saved.response_x12),
    }
    return UpdateOne(
        {"_id": coverage_id(coverage.key)},
        {"$set": {**identity, "latest": stored}, "$push": {"history": {**stored, **exchange}}},
        upsert=True,
    )


def waiting_document(entry: Waiting) -> dict[str, Any]:
    fields = asdict(entry)
    return {"_id": fields.pop("key"), **fields}


def waiting_from(doc: dict[str, Any]) -> Waiting:
    return Waiting(
        key=doc["_id"],
        kind=doc["kind"],
        payer_id=doc.get("payer_id"),
        since=doc["since"],
        attempts=doc.get("attempts", 0),
        rounds=doc.get("rounds", 1),
        next_at=doc["next_at"],
        reason=doc.get("reason"),
    )
